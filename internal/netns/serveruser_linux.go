package netns

import (
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
)

// serverDir is a temporary directory owned by the user name, removed when
// the test ends.
func serverDir(t testing.TB, name, pattern string) string {
	t.Helper()
	uid, gid := ids(t, name)
	dir, err := os.MkdirTemp("", pattern)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatal(err)
	}
	return dir
}

// mkdirAs makes the directory dir, owned by the user name.
func mkdirAs(t testing.TB, name, dir string) {
	t.Helper()
	uid, gid := ids(t, name)
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatal(err)
	}
}

// asUser runs a program to its end as the user name, in dir, with dir as
// its TMPDIR.
func asUser(t testing.TB, name, dir string, args ...string) {
	t.Helper()
	uid, gid := ids(t, name)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TMPDIR="+dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v: %s", filepath.Base(args[0]), err, out)
	}
}

func ids(t testing.TB, name string) (uid, gid int) {
	t.Helper()
	u, err := user.Lookup(name)
	if err != nil {
		t.Fatalf("user %s: %v", name, err)
	}
	uid, _ = strconv.Atoi(u.Uid)
	gid, _ = strconv.Atoi(u.Gid)
	return uid, gid
}
