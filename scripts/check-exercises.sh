#!/bin/sh
# check-exercises.sh CHAPTER... - prove that the grader grades.
#
# For each chapter (e.g. 01-namespaces):
#   1. exercises/CHAPTER is what `make exercises` would generate today;
#   2. the skeleton compiles without warnings (-Werror);
#   3. the untouched skeleton scores 0 on every exercise;
#   4. the reference (chapters/) scores full marks;
#   5. cutting out one exercise alone, from the reference, makes that
#      exercise's tests fail - so each test really checks its exercise.
set -u
failed=""
note_fail() { failed="$failed\n  $*"; echo "check-exercises: FAILED: $*"; }

targets="rootfs"
for c in "$@"; do targets="$targets build/tests/test-ch${c%%-*}"; done
make --no-print-directory $targets >/dev/null || { echo "check-exercises: build failed"; exit 1; }

for c in "$@"; do
	n=${c%%-*}
	manifest=exercises/$c/exercises.json
	echo "=== $c: skeleton up to date"
	python3 scripts/gen-exercises.py --check "chapters/$c" "exercises/$c" ||
		note_fail "$c: exercises/$c is out of date (make exercises)"

	echo "=== $c: skeleton compiles without warnings"
	b=build/check/$c/skeleton
	make --no-print-directory STUDENT="$n" BUILD="$b" WERROR=-Werror \
		"$b/tests/test-ch$n" "$b/bin/ch$c" >/dev/null ||
		{ note_fail "$c: the skeleton does not compile cleanly"; continue; }

	echo "=== $c: the untouched skeleton scores 0"
	python3 scripts/grade.py --manifest "$manifest" --tests "$b/tests/test-ch$n" \
		--out "$b/grade" --expect zero || note_fail "$c: the skeleton scores more than 0"

	echo "=== $c: the reference scores full marks"
	python3 scripts/grade.py --manifest "$manifest" --tests "build/tests/test-ch$n" \
		--out "build/check/$c/reference" --expect full ||
		note_fail "$c: the reference does not score full marks"

	for id in $(python3 -c 'import json,sys; [print(e["id"]) for e in json.load(open(sys.argv[1]))["exercises"]]' "$manifest"); do
		echo "=== $c: only $id cut out: its tests fail"
		d=build/check/$c/cut-$id
		rm -rf "$d"
		python3 scripts/gen-exercises.py --only "$id" "chapters/$c" "$d/src/$c" >/dev/null &&
			make --no-print-directory STUDENT="$n" EXERCISES_DIR="$d/src" BUILD="$d/build" \
				WERROR=-Werror "$d/build/tests/test-ch$n" >/dev/null ||
			{ note_fail "$c: cannot build the reference with $id cut out"; continue; }
		python3 scripts/grade.py --manifest "$manifest" --tests "$d/build/tests/test-ch$n" \
			--out "$d/grade" --only "$id" --expect zero ||
			note_fail "$c: with $id cut out, its tests still pass"
	done
done

if [ -n "$failed" ]; then
	printf "check-exercises: failures:$failed\n"
	exit 1
fi
echo "check-exercises: all checks passed for: $*"
