/*
 * precheck.h: warnings about a valid configuration whose programs would
 * fail to start (`tend --check`, and tend's start): a directory that does
 * not exist, a command that is not found in the program's PATH or not
 * executable by its user, a file: output whose directory does not exist,
 * and a backoff that can never let a crash loop exceed intensity.
 */
#ifndef TEND_PRECHECK_H
#define TEND_PRECHECK_H

#include "config.h"

/*
 * Append a diagnostic to w for each such problem of cfg (valid), with
 * its program's section line. env is tend's environment (PATH). Reads
 * the file system and the user database; changes nothing.
 */
void precheck_config(
    const struct config *cfg, char *const *env, struct diags *w);

#endif
