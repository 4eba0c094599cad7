/*
 * curl_lazy.c - chapter 04: libcurl, loaded when the first request is made.
 *
 * Why not link it like the other libraries?  Because loading libcurl is not
 * free: with the TLS, compression, IDN, LDAP and Kerberos libraries it pulls
 * in, it costs about 3.5 ms at every start of the program (measured on the
 * build machine with an empty main() linked against it: 0.8 ms without,
 * 4.2 ms with).  `minicontainer run` starts itself twice (once more from its
 * sealed copy, see minicontainer/selfclone.c), so linking libcurl made every
 * container start 7 ms slower - for a library it only needs to pull an image.
 *
 * So the program is not linked against libcurl.  This file defines the
 * functions of libcurl's API that chapter 04 calls, each a small wrapper that
 * looks the real one up in libcurl.so.4 (dlopen(3) and dlsym(3)) the first
 * time any is called.  The rest of the chapter calls curl_easy_init() and
 * friends exactly as libcurl's documentation shows and never sees this.
 *
 * curl_easy_setopt() and curl_easy_getinfo() take one value of varying type
 * after the option: a long, a curl_off_t, a pointer or a function pointer.
 * On the 64-bit Linux targets this builds for (x86-64, arm64) each of those
 * is passed as one 64-bit integer register, so the wrapper takes it as a
 * pointer-sized integer and passes it on unchanged.
 */
#define _GNU_SOURCE
/* curl.h wraps curl_easy_setopt() and curl_easy_getinfo() in type-checking macros, which
 * would rename the definitions below. */
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "img_http.h"

_Static_assert(sizeof(long) == sizeof(uintptr_t) && sizeof(curl_off_t) == sizeof(uintptr_t),
               "curl_easy_setopt's values must all fit one pointer-sized word");

/* The real functions, found in libcurl.so.4. */
static struct {
	CURLcode (*global_init)(long);
	void (*global_cleanup)(void);
	char *(*version)(void);
	CURL *(*easy_init)(void);
	void (*easy_cleanup)(CURL *);
	void (*easy_reset)(CURL *);
	CURLcode (*easy_perform)(CURL *);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	const char *(*easy_strerror)(CURLcode);
	char *(*easy_escape)(CURL *, const char *, int);
	void (*free)(void *);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
	CURLM *(*multi_init)(void);
	CURLMcode (*multi_cleanup)(CURLM *);
	CURLMcode (*multi_add_handle)(CURLM *, CURL *);
	CURLMcode (*multi_remove_handle)(CURLM *, CURL *);
	CURLMcode (*multi_perform)(CURLM *, int *);
	CURLMcode (*multi_poll)(CURLM *, struct curl_waitfd[], unsigned int, int, int *);
	CURLMsg *(*multi_info_read)(CURLM *, int *);
} real;

static pthread_once_t loaded = PTHREAD_ONCE_INIT;
static char load_error[512];

/* One function, or NULL (and why, in load_error). */
static void *find(void *lib, const char *name)
{
	void *f = dlsym(lib, name);

	if (f == NULL && load_error[0] == '\0')
		snprintf(load_error, sizeof(load_error), "libcurl.so.4 has no %s", name);
	return f;
}

static void load(void)
{
	void *lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);

	if (lib == NULL) {
		snprintf(load_error, sizeof(load_error), "%s", dlerror());
		return;
	}
	*(void **)&real.global_init = find(lib, "curl_global_init");
	*(void **)&real.global_cleanup = find(lib, "curl_global_cleanup");
	*(void **)&real.version = find(lib, "curl_version");
	*(void **)&real.easy_init = find(lib, "curl_easy_init");
	*(void **)&real.easy_cleanup = find(lib, "curl_easy_cleanup");
	*(void **)&real.easy_reset = find(lib, "curl_easy_reset");
	*(void **)&real.easy_perform = find(lib, "curl_easy_perform");
	*(void **)&real.easy_setopt = find(lib, "curl_easy_setopt");
	*(void **)&real.easy_getinfo = find(lib, "curl_easy_getinfo");
	*(void **)&real.easy_strerror = find(lib, "curl_easy_strerror");
	*(void **)&real.easy_escape = find(lib, "curl_easy_escape");
	*(void **)&real.free = find(lib, "curl_free");
	*(void **)&real.slist_append = find(lib, "curl_slist_append");
	*(void **)&real.slist_free_all = find(lib, "curl_slist_free_all");
	*(void **)&real.multi_init = find(lib, "curl_multi_init");
	*(void **)&real.multi_cleanup = find(lib, "curl_multi_cleanup");
	*(void **)&real.multi_add_handle = find(lib, "curl_multi_add_handle");
	*(void **)&real.multi_remove_handle = find(lib, "curl_multi_remove_handle");
	*(void **)&real.multi_perform = find(lib, "curl_multi_perform");
	*(void **)&real.multi_poll = find(lib, "curl_multi_poll");
	*(void **)&real.multi_info_read = find(lib, "curl_multi_info_read");
	/* All or nothing: a libcurl that lacks one of them is not used at all. */
	if (load_error[0] != '\0') {
		memset(&real, 0, sizeof(real));
		dlclose(lib);
	}
}

const char *img_curl_load_error(void)
{
	pthread_once(&loaded, load);
	return load_error[0] != '\0' ? load_error : NULL;
}

#define REAL(f) (pthread_once(&loaded, load), real.f)

/* Every other function is called only after curl_global_init() succeeded (http.c). */
CURLcode curl_global_init(long flags)
{
	return img_curl_load_error() != NULL ? CURLE_FAILED_INIT : REAL(global_init)(flags);
}

void curl_global_cleanup(void)
{
	REAL(global_cleanup)();
}

char *curl_version(void)
{
	static char none[] = "libcurl (not loaded)";

	return img_curl_load_error() != NULL ? none : REAL(version)();
}

CURL *curl_easy_init(void)
{
	return REAL(easy_init)();
}

void curl_easy_cleanup(CURL *h)
{
	REAL(easy_cleanup)(h);
}

void curl_easy_reset(CURL *h)
{
	REAL(easy_reset)(h);
}

CURLcode curl_easy_perform(CURL *h)
{
	return REAL(easy_perform)(h);
}

CURLcode curl_easy_setopt(CURL *h, CURLoption option, ...)
{
	va_list ap;
	uintptr_t value;

	va_start(ap, option);
	value = va_arg(ap, uintptr_t);
	va_end(ap);
	return REAL(easy_setopt)(h, option, value);
}

CURLcode curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
	va_list ap;
	void *where;

	va_start(ap, info);
	where = va_arg(ap, void *);
	va_end(ap);
	return REAL(easy_getinfo)(h, info, where);
}

const char *curl_easy_strerror(CURLcode code)
{
	return REAL(easy_strerror)(code);
}

char *curl_easy_escape(CURL *h, const char *s, int length)
{
	return REAL(easy_escape)(h, s, length);
}

void curl_free(void *p)
{
	REAL(free)(p);
}

struct curl_slist *curl_slist_append(struct curl_slist *list, const char *s)
{
	return REAL(slist_append)(list, s);
}

void curl_slist_free_all(struct curl_slist *list)
{
	REAL(slist_free_all)(list);
}

CURLM *curl_multi_init(void)
{
	return REAL(multi_init)();
}

CURLMcode curl_multi_cleanup(CURLM *m)
{
	return REAL(multi_cleanup)(m);
}

CURLMcode curl_multi_add_handle(CURLM *m, CURL *h)
{
	return REAL(multi_add_handle)(m, h);
}

CURLMcode curl_multi_remove_handle(CURLM *m, CURL *h)
{
	return REAL(multi_remove_handle)(m, h);
}

CURLMcode curl_multi_perform(CURLM *m, int *running)
{
	return REAL(multi_perform)(m, running);
}

CURLMcode curl_multi_poll(CURLM *m, struct curl_waitfd extra[], unsigned int n, int timeout_ms,
                          int *ret)
{
	return REAL(multi_poll)(m, extra, n, timeout_ms, ret);
}

CURLMsg *curl_multi_info_read(CURLM *m, int *left)
{
	return REAL(multi_info_read)(m, left);
}
