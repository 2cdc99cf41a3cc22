package main

// The C files of this package (pure.c, trampolines.c) include the
// hand-written headers; this directive gives them, and every cgo preamble,
// the include path.

/*
#cgo CFLAGS: -I${SRCDIR}/../include
*/
import "C"
