/*
 * words.h: split a string into words as POSIX sh does (SPEC section 3),
 * with no expansion of any kind. Pure.
 *
 * White space (space, tab, newline) separates words. Single quotes keep
 * everything literally. Inside double quotes a backslash escapes only
 * \ " $ ` (and newline, which it removes); before any other character it
 * stays. Outside quotes a backslash escapes the next character (a
 * backslash-newline is removed). '' and "" make an empty word. Nothing
 * else is special: $, *, ;, |, # are ordinary characters.
 */
#ifndef TEND_WORDS_H
#define TEND_WORDS_H

#include <stddef.h>

/*
 * Split s. On success returns 0, *out a NULL-terminated array of *n words
 * in one allocation (free it with free(*out)). On error returns -1 with
 * *err a static message ("unterminated single quote", "unterminated
 * double quote", "backslash at the end") and *out untouched; -1 with
 * errno ENOMEM and *err "out of memory" if allocation failed.
 */
int words_split(const char *s, char ***out, size_t *n, const char **err);

#endif
