#include "harness.h"
const struct CMUnitTest ch06_peers_tests[1];
const size_t ch06_peers_test_count = 0;
