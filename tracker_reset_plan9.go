package keepalive

// resetErrors is empty where IsPeerGone matches nothing.
var resetErrors []error
