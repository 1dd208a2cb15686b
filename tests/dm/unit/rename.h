/*
 * tests/dm/unit/rename.h: force-included when the host unit tests compile
 * dm/lib/ sources: the C library names they define are also libc's, so
 * they get a dm_ prefix here and the test calls them by that name.
 */
#define memcpy      dm_memcpy
#define memmove     dm_memmove
#define memset      dm_memset
#define memcmp      dm_memcmp
#define strlen      dm_strlen
#define strnlen     dm_strnlen
#define strcmp      dm_strcmp
#define strncmp     dm_strncmp
#define strchr      dm_strchr
#define strlcpy     dm_strlcpy
#define vsnprintf   dm_vsnprintf
#define snprintf    dm_snprintf
#define vprintf     dm_vprintf
#define printf      dm_printf
