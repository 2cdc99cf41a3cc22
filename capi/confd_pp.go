package main

// confd_pp_value (confd_pp.c) prints the types the config store holds with
// the store's formatter, through gh_pp_store_value, so that it and
// goha_cdb_get/goha_cdb_dump print the same text for the same value.

/*
#include <stdlib.h>
#include <confd_lib.h>
*/
import "C"

import (
	"fmt"
	"math"
)

// gh_pp_store_value formats *v, one of the store's types, into a malloc'ed
// text and its length. It returns 0, or -1 with a malloc'ed message in
// *out (the value is malformed, e.g. a NULL pointer with data expected).
// Any size is printed: the store's value limit does not apply.
//
//export gh_pp_store_value
func gh_pp_store_value(v *C.confd_value_t, out **C.char, n *C.size_t) (rc C.int) {
	defer func() {
		if r := recover(); r != nil {
			*out, *n, rc = cBytes([]byte(fmt.Sprint("formatter failed: ", r))), 0, -1
		}
	}()
	sv, err := convertValue(v, math.MaxInt32)
	if err != nil {
		*out, *n = cBytes([]byte(err.Error())), 0
		return -1
	}
	text := sv.AppendText(nil)
	*out, *n = cBytes(text), C.size_t(len(text))
	return 0
}
