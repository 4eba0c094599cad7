/*
 * names.c - Docker-style random container names: an adjective and the name
 * of someone who shaped operating systems or computing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>

#include "mc_container.h"

static const char *const adjectives[] = {
    "admiring", "bold",    "brave",      "clever",   "dazzling", "eager",    "elegant",
    "focused",  "gallant", "happy",      "jolly",    "keen",     "kind",     "loving",
    "modest",   "nifty",   "optimistic", "peaceful", "quirky",   "relaxed",  "sharp",
    "stoic",    "tender",  "upbeat",     "vibrant",  "wizardly", "youthful", "zealous",
};

static const char *const people[] = {
    "allen",     "babbage",  "backus",   "bell",    "cerf",      "corbato", "dijkstra",
    "engelbart", "hamilton", "hopper",   "kahn",    "kernighan", "knuth",   "lamport",
    "liskov",    "lovelace", "mccarthy", "perlman", "ritchie",   "shannon", "sutherland",
    "thompson",  "torvalds", "turing",   "wilkes",  "wing",      "wozniak", "zuse",
};

void mc_random_name(char *buf, size_t size)
{
	unsigned int r[2];

	if (getrandom(r, sizeof(r), 0) != sizeof(r)) {
		r[0] = (unsigned int)rand();
		r[1] = (unsigned int)rand();
	}
	snprintf(buf, size, "%s_%s",
	         adjectives[r[0] % (sizeof(adjectives) / sizeof(adjectives[0]))],
	         people[r[1] % (sizeof(people) / sizeof(people[0]))]);
}
