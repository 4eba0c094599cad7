/*
 * seccomp-profile.S - the default seccomp profile, seccomp-default.json,
 * built into the program as a NUL-terminated string.
 *
 * The profile stays data - one JSON file that a reader can open, diff
 * against Docker's and copy as the start of their own - and still the
 * program needs no file at run time.  .incbin copies the file's bytes in
 * as they are (the Makefile passes this directory with -I).
 */
	.section .rodata
	.global ns_seccomp_default_json
	.type ns_seccomp_default_json, @object
ns_seccomp_default_json:
	.incbin "seccomp-default.json"
	.byte 0
	.size ns_seccomp_default_json, . - ns_seccomp_default_json

/* No executable stack for this object. */
	.section .note.GNU-stack, "", @progbits
