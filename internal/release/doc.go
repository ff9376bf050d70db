// Package release holds the check .ci/run makes on the contrib modules'
// requirements of the root module (release_test.go): each must name a
// version some tag of the root module satisfies, once tags exist. The
// release procedure is in docs/release.md.
package release
