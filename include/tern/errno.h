/*
 * include/tern/errno.h: kernel error numbers. Functions return 0 or a
 * negative errno; the values match Linux's so they read familiarly and
 * can be shared with include/public/ later.
 */
#ifndef TERN_ERRNO_H
#define TERN_ERRNO_H

#define EPERM    1
#define ENOENT   2
#define EIO      5
#define E2BIG    7
#define EAGAIN  11
#define ENOMEM  12
#define EFAULT  14
#define EBUSY   16
#define EEXIST  17
#define EINVAL  22
#define ENOSPC  28
#define ERANGE  34
#define ENOSYS  38
#define ENODEV  19
#define ETIMEDOUT 110

#endif
