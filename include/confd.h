/*
 * confd.h -- the umbrella header of libgoha's ConfD/NSO API, as ConfD ships
 * one: it includes <confd_lib.h>, <confd_events.h>, <confd_ha.h> and
 * <confd_cdb.h>.  (ConfD's own confd.h also includes confd_dp.h, the data
 * provider API, which goha does not have, and leaves confd_cdb.h to the
 * program; including it here is harmless, as it only declares.)
 *
 * Programs such as NSO's ncs_cmd and ConfD's confd_cmd include <confd.h>,
 * <confd_cdb.h> and <confd_maapi.h>; goha has no MAAPI, so only the parts
 * that use the HA, notification and CDB calls of these headers build.
 */
#ifndef GOHA_CONFD_H
#define GOHA_CONFD_H

#include <confd_lib.h>
#include <confd_events.h>
#include <confd_ha.h>
#include <confd_cdb.h>

#endif /* GOHA_CONFD_H */
