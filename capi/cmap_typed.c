/*
 * The typed shortcuts of cmap_set and cmap_get, in plain C over the two
 * calls (as corosync's library has them): a setter passes the value's
 * address and size, a getter reads into a 16-byte buffer and checks the
 * type, so a longer value (a string) gives CS_ERR_INVALID_PARAM, as with
 * corosync.  cmap.h is included so that gcc checks every definition.
 */
#include <stdint.h>
#include <string.h>
#include <corosync/cmap.h>

/* errmsg.go: records the message for goha_errmsg and returns rc. */
extern cs_error_t gh_cs_fail(uint64_t handle, char *fn, char *msg, cs_error_t rc);

#define SETTER(name, ctype, vtype)                                            \
	cs_error_t cmap_set_##name(cmap_handle_t handle, const char *key_name, \
				   ctype value)                                \
	{                                                                      \
		return cmap_set(handle, key_name, &value, sizeof(value), vtype); \
	}

SETTER(int8, int8_t, CMAP_VALUETYPE_INT8)
SETTER(uint8, uint8_t, CMAP_VALUETYPE_UINT8)
SETTER(int16, int16_t, CMAP_VALUETYPE_INT16)
SETTER(uint16, uint16_t, CMAP_VALUETYPE_UINT16)
SETTER(int32, int32_t, CMAP_VALUETYPE_INT32)
SETTER(uint32, uint32_t, CMAP_VALUETYPE_UINT32)
SETTER(int64, int64_t, CMAP_VALUETYPE_INT64)
SETTER(uint64, uint64_t, CMAP_VALUETYPE_UINT64)
SETTER(float, float, CMAP_VALUETYPE_FLOAT)
SETTER(double, double, CMAP_VALUETYPE_DOUBLE)

cs_error_t cmap_set_string(cmap_handle_t handle, const char *key_name, const char *value)
{
	if (value == NULL)
		return gh_cs_fail(handle, "cmap_set_string", "value is NULL", CS_ERR_INVALID_PARAM);
	return cmap_set(handle, key_name, value, strlen(value), CMAP_VALUETYPE_STRING);
}

/* get_typed reads key_name into out (size bytes) if its type is vtype. */
static cs_error_t get_typed(const char *fn, cmap_handle_t handle, const char *key_name, void *out,
			    size_t size, cmap_value_types_t vtype)
{
	char buf[16];
	size_t len = sizeof(buf);
	cmap_value_types_t type;
	cs_error_t err;

	if (out == NULL)
		return gh_cs_fail(handle, (char *)fn, "value is NULL", CS_ERR_INVALID_PARAM);
	memset(buf, 0, sizeof(buf));
	err = cmap_get(handle, key_name, buf, &len, &type);
	if (err != CS_OK)
		return err;
	if (type != vtype)
		return gh_cs_fail(handle, (char *)fn, "the key holds a value of another type", CS_ERR_INVALID_PARAM);
	memcpy(out, buf, size);
	return CS_OK;
}

#define GETTER(name, ctype, vtype)                                            \
	cs_error_t cmap_get_##name(cmap_handle_t handle, const char *key_name, \
				   ctype *value)                               \
	{                                                                      \
		return get_typed("cmap_get_" #name, handle, key_name, value, sizeof(*value), vtype); \
	}

GETTER(int8, int8_t, CMAP_VALUETYPE_INT8)
GETTER(uint8, uint8_t, CMAP_VALUETYPE_UINT8)
GETTER(int16, int16_t, CMAP_VALUETYPE_INT16)
GETTER(uint16, uint16_t, CMAP_VALUETYPE_UINT16)
GETTER(int32, int32_t, CMAP_VALUETYPE_INT32)
GETTER(uint32, uint32_t, CMAP_VALUETYPE_UINT32)
GETTER(int64, int64_t, CMAP_VALUETYPE_INT64)
GETTER(uint64, uint64_t, CMAP_VALUETYPE_UINT64)
GETTER(float, float, CMAP_VALUETYPE_FLOAT)
GETTER(double, double, CMAP_VALUETYPE_DOUBLE)
