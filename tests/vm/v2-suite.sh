#!/bin/sh
# v2-suite.sh BUILD - run inside the cgroup v2 VM by tests/run.sh (this build
# machine is cgroup v1): chapter 02's tests; the chapter's promise checked on
# its demo (a memory hog at twice its limit is killed, exit 137, and reported
# as OOM killed); the capstone's end-to-end tests that depend on cgroups;
# and chapter 05's network tests (each test program makes its own private
# network namespace).
build=${1:-build}
status=0
"$build/tests/test-ch02" || status=1
"$build/bin/ch02-cgroups" --memory 32m --rootfs "${MC_TEST_ROOTFS:-build/rootfs}" -- \
	/probe eat 64 >/dev/null 2>/tmp/ch02-demo.err
demo=$?
if [ $demo -eq 137 ] && grep -q '^oom killed: *yes$' /tmp/ch02-demo.err; then
	echo "demo-oom: ok (exit 137, oom killed: yes)"
else
	echo "demo-oom: FAILED (exit $demo)"
	cat /tmp/ch02-demo.err
	status=1
fi
# The capstone's tests that depend on the cgroup version (limits, stats, the freezer, the
# device program, the cgroup namespace, the lifecycle the monitor runs in its cgroup) run
# here; those that do not (the command line, formats, man pages, completion, volumes, cp,
# the registry, the traces' layout) ran on this host already, and an emulated machine is
# about 20 times slower. So is test_hundred_detached: a hundred starts at once measure the
# emulator; the lifecycle it checks is the one test_detached_run_logs_wait checks here.
skip=test_hundred_detached,test_concurrent_starts_one_wins,test_go_template_table
skip=$skip,test_cp_stays_inside,test_cp_rules,test_diff,test_rename,test_events
skip=$skip,test_version_info,test_groups_and_aliases,test_help_and_errors
skip=$skip,test_ps_filters_and_formats,test_images_filters_and_formats
skip=$skip,test_man_pages_match_help,test_completion,test_env_semantics,test_tmpfs_options
skip=$skip,test_bind_mounts,test_labels,test_user_and_groups,test_volume_create_ls_inspect
skip=$skip,test_volume_rm_in_use,test_copy_up,test_persistence_and_volumes_from
skip=$skip,test_anonymous_volumes,test_trace_chooses_chapters,test_trace_bad_chapters_refused
skip=$skip,test_trace_step_waits_for_enter,test_trace_step_needs_a_terminal
skip=$skip,test_symlinked_system_paths_stay_inside,test_host_binary_out_of_reach
skip=$skip,test_image_nss_module_never_runs,test_no_descriptor_reaches_the_container
skip=$skip,test_run_t_into_a_closed_pipe_cleans_up,test_tty_through_a_pty,test_override_rules
skip=$skip,test_read_only_root,test_volumes_ro_and_rw,test_env_and_mount_values
skip=$skip,test_seccomp_profile_and_options,test_system_paths_masked_and_read_only
skip=$skip,test_logs_follow_loses_nothing,test_log_rotation
# Not a cgroup matter either, and flaky in the emulator only: 2 of 6 runs there found the
# shell exited after the detach keys, never on this host; left out until that is understood.
skip=$skip,test_attach_and_detach
MC_TEST_BIN="$build/bin/minicontainer" "$build/tests/test-minicontainer" --skip "$skip" || status=1
MC_TEST_BIN="$build/bin/minicontainer" "$build/tests/test-ch05" || status=1
exit $status
