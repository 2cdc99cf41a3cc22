/*
 * The pure functions of the C API: status texts, error-code mappings and
 * the cmm_member_is* predicates.  They touch no Go state and contact no
 * daemon, so they are plain C: no runtime transition, nothing to recover.
 * The headers are included so that gcc checks every definition against its
 * declaration.
 */
#include <stddef.h>
#include <errno.h>
#include <corosync/corotypes.h>
#include <cmm.h>

const char *cs_strerror(cs_error_t err)
{
	switch (err) {
	case CS_OK: return "success";
	case CS_ERR_LIBRARY: return "CS_ERR_LIBRARY";
	case CS_ERR_VERSION: return "CS_ERR_VERSION";
	case CS_ERR_INIT: return "CS_ERR_INIT";
	case CS_ERR_TIMEOUT: return "CS_ERR_TIMEOUT";
	case CS_ERR_TRY_AGAIN: return "CS_ERR_TRY_AGAIN";
	case CS_ERR_INVALID_PARAM: return "CS_ERR_INVALID_PARAM";
	case CS_ERR_NO_MEMORY: return "CS_ERR_NO_MEMORY";
	case CS_ERR_BAD_HANDLE: return "CS_ERR_BAD_HANDLE";
	case CS_ERR_BUSY: return "CS_ERR_BUSY";
	case CS_ERR_ACCESS: return "CS_ERR_ACCESS";
	case CS_ERR_NOT_EXIST: return "CS_ERR_NOT_EXIST";
	case CS_ERR_NAME_TOO_LONG: return "CS_ERR_NAME_TOO_LONG";
	case CS_ERR_EXIST: return "CS_ERR_EXIST";
	case CS_ERR_NO_SPACE: return "CS_ERR_NO_SPACE";
	case CS_ERR_INTERRUPT: return "CS_ERR_INTERRUPT";
	case CS_ERR_NAME_NOT_FOUND: return "CS_ERR_NAME_NOT_FOUND";
	case CS_ERR_NO_RESOURCES: return "CS_ERR_NO_RESOURCES";
	case CS_ERR_NOT_SUPPORTED: return "CS_ERR_NOT_SUPPORTED";
	case CS_ERR_BAD_OPERATION: return "CS_ERR_BAD_OPERATION";
	case CS_ERR_FAILED_OPERATION: return "CS_ERR_FAILED_OPERATION";
	case CS_ERR_MESSAGE_ERROR: return "CS_ERR_MESSAGE_ERROR";
	case CS_ERR_QUEUE_FULL: return "CS_ERR_QUEUE_FULL";
	case CS_ERR_QUEUE_NOT_AVAILABLE: return "CS_ERR_QUEUE_NOT_AVAILABLE";
	case CS_ERR_BAD_FLAGS: return "CS_ERR_BAD_FLAGS";
	case CS_ERR_TOO_BIG: return "CS_ERR_TOO_BIG";
	case CS_ERR_NO_SECTIONS: return "CS_ERR_NO_SECTIONS";
	case CS_ERR_CONTEXT_NOT_FOUND: return "CS_ERR_CONTEXT_NOT_FOUND";
	case CS_ERR_TOO_MANY_GROUPS: return "CS_ERR_TOO_MANY_GROUPS";
	case CS_ERR_SECURITY: return "CS_ERR_SECURITY";
	}
	return "unknown error";
}

cs_error_t qb_to_cs_error(int result)
{
	if (result >= 0)
		return CS_OK;
	switch (-result) {
	case ENOENT:
	case ENODEV: return CS_ERR_NOT_EXIST;
	case EINTR: return CS_ERR_INTERRUPT;
	case E2BIG:
	case EMSGSIZE: return CS_ERR_TOO_BIG;
	case EBADF: return CS_ERR_BAD_HANDLE;
	case EAGAIN:
	case ENOMSG:
	case ENOBUFS:
	case ETIMEDOUT: return CS_ERR_TRY_AGAIN;
	case ENOMEM: return CS_ERR_NO_MEMORY;
	case EACCES: return CS_ERR_ACCESS;
	case EBUSY: return CS_ERR_BUSY;
	case EEXIST: return CS_ERR_EXIST;
	case EINVAL: return CS_ERR_INVALID_PARAM;
	case ENOSPC: return CS_ERR_NO_SPACE;
	case ENOSYS:
	case EOPNOTSUPP: return CS_ERR_NOT_SUPPORTED;
	case EBADE: return CS_ERR_FAILED_OPERATION;
	case ETIME: return CS_ERR_TIMEOUT;
	case EBADMSG: return CS_ERR_MESSAGE_ERROR;
	case EOVERFLOW: return CS_ERR_NAME_TOO_LONG;
	}
	return CS_ERR_LIBRARY;
}

cs_error_t hdb_error_to_cs(int res)
{
	switch (res) {
	case 0: return CS_OK;
	case -EBADF: return CS_ERR_BAD_HANDLE;
	case -ENOMEM: return CS_ERR_NO_MEMORY;
	case -EMFILE: return CS_ERR_NO_RESOURCES;
	case -EACCES: return CS_ERR_ACCESS;
	}
	return CS_ERR_LIBRARY;
}

char *cmm_strerror(cmm_error_t errnum)
{
	/* The names are string literals; the prototype is not const for
	 * compatibility, and callers must not write through it. */
	switch (errnum) {
	case CMM_OK: return (char *)"CMM_OK";
	case CMM_EBADF: return (char *)"CMM_EBADF";
	case CMM_EBUSY: return (char *)"CMM_EBUSY";
	case CMM_ECANCELED: return (char *)"CMM_ECANCELED";
	case CMM_EEXIST: return (char *)"CMM_EEXIST";
	case CMM_EINVAL: return (char *)"CMM_EINVAL";
	case CMM_ENOENT: return (char *)"CMM_ENOENT";
	case CMM_ENOMSG: return (char *)"CMM_ENOMSG";
	case CMM_ENOTSUP: return (char *)"CMM_ENOTSUP";
	case CMM_EPERM: return (char *)"CMM_EPERM";
	case CMM_ERANGE: return (char *)"CMM_ERANGE";
	case CMM_ESRCH: return (char *)"CMM_ESRCH";
	case CMM_ENOCLUSTER: return (char *)"CMM_ENOCLUSTER";
	case CMM_ECONN: return (char *)"CMM_ECONN";
	case CMM_ETIMEDOUT: return (char *)"CMM_ETIMEDOUT";
	case CMM_EAGAIN: return (char *)"CMM_EAGAIN";
	case CMM_ENOMEM: return (char *)"CMM_ENOMEM";
	case CMM_EOTHER: return (char *)"CMM_EOTHER";
	}
	return (char *)"CMM_EUNKNOWN";
}

#define SFLAG(m, bit) ((m) != NULL && ((m)->sflag & (bit)) != 0)

int cmm_member_ismaster(cmm_member_t const *member)
{
	return SFLAG(member, CMM_MASTER);
}

int cmm_member_isvicemaster(cmm_member_t const *member)
{
	return SFLAG(member, CMM_VICEMASTER);
}

int cmm_member_isoutofcluster(cmm_member_t const *member)
{
	return SFLAG(member, CMM_OUT_OF_CLUSTER);
}

int cmm_member_iseligible(cmm_member_t const *member)
{
	return SFLAG(member, CMM_ELIGIBLE_MEMBER);
}

int cmm_member_isfrozen(cmm_member_t const *member)
{
	return SFLAG(member, CMM_FROZEN_MEMBER);
}

int cmm_member_isexcluded(cmm_member_t const *member)
{
	return SFLAG(member, CMM_EXCLUDED_MEMBER);
}

int cmm_member_isdisqualified(cmm_member_t const *member)
{
	return SFLAG(member, CMM_FLAG_DISQUALIFIED);
}

int cmm_member_isqualified(cmm_member_t const *member)
{
	/* Qualification is only defined for master-eligible nodes. */
	return SFLAG(member, CMM_ELIGIBLE_MEMBER) &&
	       !SFLAG(member, CMM_FLAG_DISQUALIFIED);
}

int cmm_member_isdesynchronized(cmm_member_t const *member)
{
	return SFLAG(member, CMM_FLAG_SYNCHRO_NEEDED);
}
