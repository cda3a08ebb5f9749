/*
 * confkeys.c: the keys of each section and how their values are read: a
 * parser per kind of value (p_*), the tables of every key of [tend],
 * [supervisor:NAME] and [program:NAME] with whether it works yet, and
 * conf_check_keys(), which checks a section's entries into its struct.
 * Pure: no I/O, prints nothing; a bad value is a diagnostic
 * "KEY: message" at its line, never a failure.
 */
#include <sys/un.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "confint.h"
#include "units.h"
#include "words.h"

/* Marks an error in a value whose line lost a " ;" comment. */
#define COMMENT_NOTE " (note: ' ;' starts a comment, even inside quotes)"

/* ---- values ---- */

struct key;
typedef int parse_fn(
    struct ctx *c, const struct entry *e, const struct key *k, void *obj);

struct word {
	const char *text;
	int value;
};

/* K_EXTRA: the field is in struct prog_extra, allocated on first use. */
enum { K_REPEAT = 1, K_NOT_ROOT = 2, K_EXTRA = 4 };

/* A key of a section: how its value is read, and whether it works yet. */
struct key {
	const char *name;
	parse_fn *parse;
	size_t off;               /* of its field in the section's struct */
	bool supported;           /* false: checked, then "not supported yet" */
	unsigned flags;           /* K_REPEAT, K_NOT_ROOT, K_EXTRA */
	int64_t min, max;         /* numbers: the range; limit_*: which one */
	const struct word *words; /* p_enum: the values, NULL-terminated */
};

#define FIELD(obj, k, type) ((type *)(void *)((char *)(obj) + (k)->off))

static int
duration(struct ctx *c, const struct entry *e, const char *s, int64_t min,
    int64_t *ms)
{
	struct shown b;

	if (units_parse_duration(s, ms) == -1) {
		conf_key_error(c, e, "%s %s (%s)",
		    errno == ERANGE ? "too long a duration"
		                    : "invalid duration",
		    conf_quote(&b, s), UNITS_DURATION_FORMS);
		return -1;
	}
	if (*ms < min) {
		conf_key_error(
		    c, e, "must be more than 0, not %s", conf_quote(&b, s));
		return -1;
	}
	return 0;
}

static int
p_duration(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	int64_t ms;

	if (duration(c, e, e->value, k->min, &ms) == -1)
		return -1;
	*FIELD(obj, k, int64_t) = ms;
	return 0;
}

/* A duration, brutal_kill or infinity. */
static int
p_shutdown(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	struct shown b;
	int64_t ms;

	if (strcmp(e->value, "brutal_kill") == 0) {
		ms = CONFIG_BRUTAL_KILL;
	} else if (strcmp(e->value, "infinity") == 0) {
		ms = CONFIG_INFINITY;
	} else if (units_parse_duration(e->value, &ms) == -1) {
		conf_key_error(c, e,
		    "invalid value %s (a duration, brutal_kill or infinity)",
		    conf_quote(&b, e->value));
		return -1;
	}
	*FIELD(obj, k, int64_t) = ms;
	return 0;
}

/* A number of restarts, or infinity. */
static int
p_intensity(
    struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	struct shown b;
	uint64_t n;

	if (strcmp(e->value, "infinity") == 0) {
		*FIELD(obj, k, int64_t) = CONFIG_INFINITY;
		return 0;
	}
	if (units_parse_uint(e->value, INT64_MAX, &n) == -1) {
		conf_key_error(c, e, "invalid value %s (a number or infinity)",
		    conf_quote(&b, e->value));
		return -1;
	}
	*FIELD(obj, k, int64_t) = (int64_t)n;
	return 0;
}

static int
p_enum(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	char list[256];
	size_t off = 0;
	struct shown b;

	for (const struct word *w = k->words; w->text != NULL; w++) {
		if (strcmp(w->text, e->value) == 0) {
			*FIELD(obj, k, int) = w->value;
			return 0;
		}
	}
	list[0] = '\0';
	for (const struct word *w = k->words; w->text != NULL; w++) {
		const char *sep = w == k->words       ? ""
		                  : w[1].text == NULL ? " or "
		                                      : ", ";
		int r = snprintf(
		    list + off, sizeof(list) - off, "%s%s", sep, w->text);

		if (r > 0 && (size_t)r < sizeof(list) - off)
			off += (size_t)r;
	}
	conf_key_error(
	    c, e, "invalid value %s (%s)", conf_quote(&b, e->value), list);
	return -1;
}

static int
p_bool(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	struct shown b;

	if (units_parse_bool(e->value, FIELD(obj, k, bool)) == -1) {
		conf_key_error(c, e, "invalid boolean %s (yes or no)",
		    conf_quote(&b, e->value));
		return -1;
	}
	return 0;
}

/* A boolean whose absence means something of its own (log_timestamps). */
static int
p_stamps(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	if (p_bool(c, e, k, obj) == -1)
		return -1;
	((struct tend_conf *)obj)->log_timestamps_set = true;
	return 0;
}

static int
p_significant(
    struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	if (p_bool(c, e, k, obj) == -1)
		return -1;
	c->cur->significant_line = e->line;
	return 0;
}

static int
p_signal(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	struct shown b;

	if (units_parse_signal(e->value, FIELD(obj, k, int)) == -1) {
		conf_key_error(
		    c, e, "unknown signal %s", conf_quote(&b, e->value));
		return -1;
	}
	return 0;
}

static int
p_size(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	struct shown b;
	int64_t n;

	if (units_parse_size(e->value, &n) == -1) {
		conf_key_error(c, e, "%s %s",
		    errno == ERANGE ? "too large a size" : "invalid size",
		    conf_quote(&b, e->value));
		return -1;
	}
	if (n < k->min) {
		conf_key_error(c, e, "must be at least %" PRId64 ", not %s",
		    k->min, conf_quote(&b, e->value));
		return -1;
	}
	*FIELD(obj, k, int64_t) = n;
	return 0;
}

/* An integer within k's range. */
static int
number(struct ctx *c, const struct entry *e, const struct key *k, int64_t *n)
{
	struct shown b;

	if (units_parse_int(e->value, k->min, k->max, n) == -1) {
		conf_key_error(c, e,
		    "must be a number from %" PRId64 " to %" PRId64 ", not %s",
		    k->min, k->max, conf_quote(&b, e->value));
		return -1;
	}
	return 0;
}

static int
p_unsigned(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	int64_t n;

	if (number(c, e, k, &n) == -1)
		return -1;
	*FIELD(obj, k, unsigned) = (unsigned)n;
	return 0;
}

static int
p_int64(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	return number(c, e, k, FIELD(obj, k, int64_t));
}

static int
p_nice(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	struct prog_extra *p = obj;
	int64_t n;

	if (number(c, e, k, &n) == -1)
		return -1;
	p->nice = (int)n;
	p->has_nice = true;
	return 0;
}

static int
p_oom_score_adj(
    struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	struct prog_extra *p = obj;
	int64_t n;

	if (number(c, e, k, &n) == -1)
		return -1;
	p->oom_score_adj = (int)n;
	p->has_oom_score_adj = true;
	return 0;
}

/* limit_*: a number or infinity; k->min says which limit. */
static int
p_limit(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	struct prog_extra *p = obj;
	struct shown b;
	uint64_t n = CONFIG_RLIM_INFINITY;

	if (strcmp(e->value, "infinity") != 0 &&
	    units_parse_uint(e->value, UINT64_MAX - 1, &n) == -1) {
		conf_key_error(c, e, "invalid value %s (a number or infinity)",
		    conf_quote(&b, e->value));
		return -1;
	}
	p->limit[k->min] = n;
	p->has_limit[k->min] = true;
	return 0;
}

static int
set_string(struct ctx *c, char **field, const char *s)
{
	char *copy = conf_check_alloc(c, strdup(s));

	if (copy == NULL)
		return -1;
	free(*field);
	*field = copy;
	return 0;
}

static int
p_string(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	return set_string(c, FIELD(obj, k, char *), e->value);
}

static int
p_path(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	struct shown b;

	if (e->value[0] != '/') {
		conf_key_error(c, e, "must be an absolute path, not %s",
		    conf_quote(&b, e->value));
		return -1;
	}
	return p_string(c, e, k, obj);
}

static int
p_user(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	struct prog_conf *p = obj;

	p->user_line = e->line;
	return p_string(c, e, k, obj);
}

static int
p_group(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	struct prog_conf *p = obj;

	p->group_line = e->line;
	return p_string(c, e, k, obj);
}

static int
p_socket_group(
    struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	struct tend_conf *t = obj;

	t->socket_group_line = e->line;
	return p_string(c, e, k, obj);
}

/* Octal, 0 to 0777: "022", "0027". */
static int
p_umask(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	struct prog_conf *p = obj;
	struct shown b;
	unsigned m = 0;

	(void)k;
	for (const char *s = e->value; *s != '\0'; s++) {
		if (*s < '0' || *s > '7' || m > 0777)
			goto bad;
		m = m * 8 + (unsigned)(*s - '0');
	}
	if (m > 0777)
		goto bad;
	p->umask = (int)m;
	return 0;
bad:
	conf_key_error(c, e, "invalid umask %s (octal, 0 to 0777)",
	    conf_quote(&b, e->value));
	return -1;
}

/*
 * Split s as command is split (words.h). With program set, the first
 * word names the program and must not be empty. The argv, or NULL after
 * reporting; a value that lost a " ;" comment says so, since that is the
 * likely cause of a dangling quote or backslash.
 */
static char **
split(struct ctx *c, const struct entry *e, const char *s, size_t *n,
    bool program)
{
	const char *err;
	char **argv;

	if (words_split(s, &argv, n, &err) == -1) {
		if (errno == ENOMEM)
			c->oom = true;
		conf_key_error(c, e, "%s%s", err, e->cut ? COMMENT_NOTE : "");
		return NULL;
	}
	if (program && (*n == 0 || argv[0][0] == '\0')) {
		conf_key_error(c, e, "%s",
		    *n == 0 ? "no command" : "the program name is empty");
		free(argv);
		return NULL;
	}
	return argv;
}

static int
p_command(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	struct prog_conf *p = obj;
	size_t n;
	char **argv = split(c, e, e->value, &n, true);

	(void)k;
	if (argv == NULL)
		return -1;
	free(p->argv);
	p->argv = argv;
	p->argc = n;
	return 0;
}

/* KEY=VALUE, KEY matching [A-Za-z_][A-Za-z0-9_]*. */
static bool
env_word_ok(struct ctx *c, const struct entry *e, const char *w)
{
	const char *eq = strchr(w, '=');
	struct shown b;

	if (eq == NULL) {
		conf_key_error(c, e, "%s is not KEY=VALUE", conf_quote(&b, w));
		return false;
	}
	for (const char *s = w; s < eq; s++) {
		if (*s == '_' ||
		    (isascii((unsigned char)*s) && isalpha((unsigned char)*s)))
			continue;
		if (s > w && isascii((unsigned char)*s) &&
		    isdigit((unsigned char)*s))
			continue;
		eq = w; /* a bad character: say so below */
		break;
	}
	if (eq == w) {
		conf_key_error(
		    c, e, "invalid variable name in %s", conf_quote(&b, w));
		return false;
	}
	return true;
}

static int
p_environment(
    struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	struct prog_conf *p = obj;
	bool ok = true;
	size_t n;
	char **env = split(c, e, e->value, &n, false);

	(void)k;
	if (env == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!env_word_ok(c, e, env[i]))
			ok = false;
	if (!ok) {
		free(env);
		return -1;
	}
	free(p->env);
	p->env = env;
	p->envc = n;
	return 0;
}

/* stdout: log|inherit|null|file:PATH; stderr also takes stdout. */
static int
out_mode(struct ctx *c, const struct entry *e, bool is_err, enum out_mode *mode,
    char **path)
{
	static const struct word modes[] = {{"log", OUT_LOG},
	    {"inherit", OUT_INHERIT}, {"null", OUT_NULL},
	    {"stdout", OUT_STDOUT}, {NULL, 0}};
	const char *v = e->value;
	struct shown b;

	if (strncmp(v, "file:", 5) == 0) {
		if (v[5] != '/') {
			conf_key_error(c, e,
			    "file: needs an absolute path, not %s",
			    conf_quote(&b, v + 5));
			return -1;
		}
		if (set_string(c, path, v + 5) == -1)
			return -1;
		*mode = OUT_FILE;
		return 0;
	}
	for (const struct word *w = modes; w->text != NULL; w++) {
		if (strcmp(v, w->text) == 0 &&
		    (is_err || w->value != OUT_STDOUT)) {
			*mode = (enum out_mode)w->value;
			return 0;
		}
	}
	conf_key_error(c, e,
	    "invalid value %s (%slog, inherit, null or file:PATH)",
	    conf_quote(&b, v), is_err ? "stdout, " : "");
	return -1;
}

static int
p_stdout(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	struct prog_conf *p = obj;

	(void)k;
	return out_mode(c, e, false, &p->out, &p->out_path);
}

static int
p_stderr(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	struct prog_conf *p = obj;

	(void)k;
	return out_mode(c, e, true, &p->err, &p->err_path);
}

static int
port(struct ctx *c, const struct entry *e, const char *s, int *out)
{
	struct shown b;
	int64_t n;

	if (units_parse_int(s, 1, 65535, &n) == -1) {
		conf_key_error(
		    c, e, "invalid port %s (1 to 65535)", conf_quote(&b, s));
		return -1;
	}
	*out = (int)n;
	return 0;
}

/*
 * The modes of ready and health. A mode whose text ends in ':' takes an
 * argument. A mode not supported yet is checked, then reported.
 */
struct mode {
	const char *text;
	int mode;
	bool supported;
};

static const struct mode ready_modes[] = {
    {"start", READY_START, true},
    {"notify", READY_NOTIFY, true},
    {"fd:", READY_FD, true},
    {"exec:", READY_EXEC, true},
    {"tcp:", READY_TCP, true},
    {NULL, 0, false},
};

static const struct mode health_modes[] = {
    {"exec:", HEALTH_EXEC, true},
    {"tcp:", HEALTH_TCP, true},
    {NULL, 0, false},
};

static const struct mode *
find_mode(const struct mode *m, const char *v)
{
	for (; m->text != NULL; m++) {
		size_t n = strlen(m->text);

		if (m->text[n - 1] == ':' ? strncmp(v, m->text, n) == 0
		                          : strcmp(v, m->text) == 0)
			return m;
	}
	return NULL;
}

/* The argument of exec:CMD, as an argv, or NULL after reporting. */
static char **
exec_argv(struct ctx *c, const struct entry *e, const char *cmd)
{
	size_t n;

	return split(c, e, cmd, &n, true);
}

static int
p_ready(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	struct prog_conf *p = obj;
	struct prog_extra *x = NULL;
	const struct mode *m = find_mode(ready_modes, e->value);
	struct shown b;
	const char *arg;
	int64_t fd;

	(void)k;
	if (m == NULL) {
		conf_key_error(c, e,
		    "invalid value %s (start, notify, fd:N, exec:CMD or "
		    "tcp:PORT)",
		    conf_quote(&b, e->value));
		return -1;
	}
	arg = e->value + strlen(m->text);
	if (m->mode == READY_FD &&
	    units_parse_int(arg, 3, INT_MAX, &fd) == -1) {
		conf_key_error(
		    c, e, "invalid fd %s (3 or more)", conf_quote(&b, arg));
		return -1;
	}
	if (m->mode != READY_START && m->mode != READY_NOTIFY &&
	    (x = conf_prog_extra(c, p)) == NULL)
		return -1;
	if (m->mode == READY_FD)
		x->ready_fd = (int)fd;
	if (m->mode == READY_EXEC) {
		char **argv = exec_argv(c, e, arg);

		if (argv == NULL)
			return -1;
		free(x->ready_argv);
		x->ready_argv = argv;
	}
	if (m->mode == READY_TCP && port(c, e, arg, &x->ready_port) == -1)
		return -1;
	p->ready = (enum ready_mode)m->mode;
	if (!m->supported)
		conf_error_at(c, e->line, "ready = %.*s: not supported yet",
		    (int)strcspn(m->text, ":"), m->text);
	return 0;
}

static int
p_health(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	struct prog_extra *p = obj;
	const struct mode *m = find_mode(health_modes, e->value);
	struct shown b;
	const char *arg;

	(void)k;
	if (m == NULL) {
		conf_key_error(c, e, "invalid value %s (exec:CMD or tcp:PORT)",
		    conf_quote(&b, e->value));
		return -1;
	}
	arg = e->value + strlen(m->text);
	if (m->mode == HEALTH_EXEC) {
		char **argv = exec_argv(c, e, arg);

		if (argv == NULL)
			return -1;
		free(p->health_argv);
		p->health_argv = argv;
	}
	if (m->mode == HEALTH_TCP && port(c, e, arg, &p->health_port) == -1)
		return -1;
	p->health = (enum health_mode)m->mode;
	if (!m->supported)
		conf_error_at(c, e->line, "health = %.*s: not supported yet",
		    (int)strcspn(m->text, ":"), m->text);
	return 0;
}

/* MIN..MAX, two durations, 0 < MIN <= MAX. */
static int
p_backoff(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	struct prog_conf *p = obj;
	const char *dots = strstr(e->value, "..");
	struct shown b;
	int64_t lo, hi;
	char *min;
	int r;

	(void)k;
	if (dots == NULL) {
		conf_key_error(c, e,
		    "invalid value %s (MIN..MAX, e.g. 100ms..30s)",
		    conf_quote(&b, e->value));
		return -1;
	}
	min = conf_check_alloc(c, strndup(e->value, (size_t)(dots - e->value)));
	if (min == NULL)
		return -1;
	r = duration(c, e, min, 1, &lo);
	free(min);
	if (r == -1 || duration(c, e, dots + 2, 1, &hi) == -1)
		return -1;
	if (lo > hi) {
		conf_key_error(c, e, "MIN is more than MAX in %s",
		    conf_quote(&b, e->value));
		return -1;
	}
	p->backoff_min_ms = lo;
	p->backoff_max_ms = hi;
	return 0;
}

/* unix:ABSPATH into l (its addr is set). */
static int
listen_unix(struct ctx *c, const struct entry *e, struct listen_conf *l)
{
	const char *path = l->addr + 5;
	struct shown b;

	if (path[0] != '/') {
		conf_key_error(c, e, "unix: needs an absolute path, not %s",
		    conf_quote(&b, path));
		return -1;
	}
	if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		conf_key_error(c, e, "unix: path longer than %zu bytes",
		    sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
		return -1;
	}
	l->kind = LISTEN_UNIX;
	l->path = path;
	return 0;
}

/* HOST (n bytes, brackets included for IPv6) of tcp: or tcp6: into l. */
static int
listen_host(struct ctx *c, const struct entry *e, const char *host, size_t n,
    bool v6, struct listen_conf *l)
{
	char buf[INET6_ADDRSTRLEN + 2];
	struct shown b;
	bool bracket = n >= 2 && host[0] == '[' && host[n - 1] == ']';

	if (bracket) {
		host++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(buf) || (v6 && !bracket) ||
	    (!bracket && memchr(host, ':', n) != NULL))
		goto bad;
	memcpy(buf, host, n);
	buf[n] = '\0';
	if (bracket) {
		l->kind = LISTEN_TCP6;
		if (inet_pton(AF_INET6, buf, l->ip) == 1)
			return 0;
	} else {
		l->kind = LISTEN_TCP4;
		if (strcmp(buf, "*") == 0)
			return inet_pton(AF_INET, "0.0.0.0", l->ip) == 1 ? 0
			                                                 : -1;
		if (strcmp(buf, "localhost") == 0)
			return inet_pton(AF_INET, "127.0.0.1", l->ip) == 1 ? 0
			                                                   : -1;
		if (inet_pton(AF_INET, buf, l->ip) == 1)
			return 0;
	}
bad:
	conf_key_error(c, e,
	    "invalid host in %s (a numeric address: tcp:127.0.0.1:PORT, "
	    "tcp:*:PORT, tcp6:[::1]:PORT)",
	    conf_quote(&b, l->addr));
	return -1;
}

/* ADDRESS of listen (in l->addr) into l. */
static int
listen_address(struct ctx *c, const struct entry *e, struct listen_conf *l)
{
	const char *v = l->addr, *host, *colon;
	struct shown b;
	bool v6 = strncmp(v, "tcp6:", 5) == 0;

	if (strncmp(v, "unix:", 5) == 0)
		return listen_unix(c, e, l);
	host = v6 ? v + 5 : v + 4;
	if ((!v6 && strncmp(v, "tcp:", 4) != 0) ||
	    (colon = strrchr(host, ':')) == NULL) {
		conf_key_error(c, e,
		    "invalid address %s (tcp:HOST:PORT, tcp6:[HOST]:PORT or "
		    "unix:PATH)",
		    conf_quote(&b, v));
		return -1;
	}
	if (listen_host(c, e, host, (size_t)(colon - host), v6, l) == -1)
		return -1;
	return port(c, e, colon + 1, &l->port);
}

/* listen = ADDRESS[;name=NAME]: repeatable. */
static int
p_listen(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	struct prog_extra *p = obj;
	struct listen_conf l, *v;
	const char *named = NULL, *at;
	struct shown b;

	(void)k;
	memset(&l, 0, sizeof(l));
	l.line = e->line;
	for (at = strstr(e->value, ";name="); at != NULL;
	     at = strstr(at + 1, ";name="))
		named = at;
	l.addr = conf_check_alloc(
	    c, strndup(e->value,
	           named != NULL ? (size_t)(named - e->value) : e->len));
	if (l.addr == NULL)
		return -1;
	if (named != NULL && !units_name_valid(named + 6)) {
		conf_key_error(c, e,
		    "invalid name %s for LISTEN_FDNAMES (letters, digits, "
		    "'_', '.', '-'; up to 64)",
		    conf_quote(&b, named + 6));
		free(l.addr);
		return -1;
	}
	if (listen_address(c, e, &l) == -1 ||
	    (named != NULL &&
	        (l.name = conf_check_alloc(c, strdup(named + 6))) == NULL) ||
	    (v = conf_check_alloc(c, reallocarray(p->listen, p->nlisten + 1,
	                                 sizeof(*p->listen)))) == NULL) {
		free(l.addr);
		free(l.name);
		return -1;
	}
	if (l.kind == LISTEN_UNIX)
		l.path = l.addr + 5;
	p->listen = v;
	p->listen[p->nlisten++] = l;
	return 0;
}

/* memory_max, memory_high: a size, or max or infinity (INT64_MAX). */
static int
p_memory(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	struct shown b;
	int64_t n = INT64_MAX;

	if (strcmp(e->value, "max") != 0 && strcmp(e->value, "infinity") != 0 &&
	    units_parse_size(e->value, &n) == -1) {
		conf_key_error(c, e,
		    "invalid value %s (a size, max or infinity)",
		    conf_quote(&b, e->value));
		return -1;
	}
	*FIELD(obj, k, int64_t) = n;
	return 0;
}

/* cpu_max's QUOTA/PERIOD: both in microseconds, as cgroup v2 writes them. */
static int
quota_period(const char *v, int64_t *quota, int64_t *period)
{
	const char *slash = strchr(v, '/');
	char q[32];

	if (slash == NULL || (size_t)(slash - v) >= sizeof(q))
		return -1;
	memcpy(q, v, (size_t)(slash - v));
	q[slash - v] = '\0';
	if (units_parse_int(slash + 1, CONF_CPU_PERIOD_MIN, CONF_CPU_PERIOD_MAX,
	        period) == -1)
		return -1;
	if (strcmp(q, "max") == 0) {
		*quota = INT64_MAX;
		return 0;
	}
	return units_parse_int(q, CONF_CPU_QUOTA_MIN, INT64_MAX / 2, quota);
}

/*
 * cpu_max: N% of one CPU (N from 1; 150% is one and a half CPUs), or
 * QUOTA/PERIOD in microseconds, or max. Into the struct cg_limits at k.
 */
static int
p_cpu_max(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	struct cg_limits *l = FIELD(obj, k, struct cg_limits);
	size_t len = strlen(e->value);
	int64_t pct, quota = -1, period = CONF_CPU_PERIOD_DEFAULT;
	struct shown b;
	char *num;
	int r = -1;

	if (strcmp(e->value, "max") == 0) {
		quota = INT64_MAX;
		r = 0;
	} else if (len >= 2 && e->value[len - 1] == '%') {
		num = conf_check_alloc(c, strndup(e->value, len - 1));
		if (num == NULL)
			return -1;
		r = units_parse_int(num, k->min, k->max, &pct);
		free(num);
		if (r == 0) /* pct is within k's bounds only then */
			quota = pct * (period / 100);
	} else {
		r = quota_period(e->value, &quota, &period);
	}
	if (r == -1) {
		conf_key_error(c, e,
		    "invalid value %s (a percentage of one CPU from 1%%, e.g. "
		    "50%% or 150%%; or QUOTA/PERIOD in microseconds, e.g. "
		    "50000/100000, the period from %d to %d)",
		    conf_quote(&b, e->value), CONF_CPU_PERIOD_MIN,
		    CONF_CPU_PERIOD_MAX);
		return -1;
	}
	l->cpu_quota_us = quota;
	l->cpu_period_us = period;
	return 0;
}

/* A number from 1, or max (INT64_MAX). */
static int
p_pids_max(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	struct shown b;

	if (strcmp(e->value, "max") == 0) {
		*FIELD(obj, k, int64_t) = INT64_MAX;
		return 0;
	}
	if (units_parse_int(e->value, 1, INT64_MAX, FIELD(obj, k, int64_t)) ==
	    -1) {
		conf_key_error(c, e,
		    "invalid value %s (a number from 1, or max)",
		    conf_quote(&b, e->value));
		return -1;
	}
	return 0;
}

/* Kept for conf_resolve(), once every name is known. */
static int
p_children(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	(void)k;
	(void)obj;
	c->cur->children = e;
	return 0;
}

/* ---- the keys of each section ---- */

static const struct word strategies[] = {
    {"one_for_one", STRATEGY_ONE_FOR_ONE},
    {"one_for_all", STRATEGY_ONE_FOR_ALL},
    {"rest_for_one", STRATEGY_REST_FOR_ONE},
    {NULL, 0},
};

static const struct word restarts[] = {
    {"permanent", RESTART_PERMANENT},
    {"transient", RESTART_TRANSIENT},
    {"temporary", RESTART_TEMPORARY},
    {NULL, 0},
};

static const struct word auto_shutdowns[] = {
    {"never", AUTO_SHUTDOWN_NEVER},
    {"any_significant", AUTO_SHUTDOWN_ANY},
    {"all_significant", AUTO_SHUTDOWN_ALL},
    {NULL, 0},
};

static const struct word cgroups_modes[] = {
    {"auto", CGROUPS_AUTO},
    {"yes", CGROUPS_YES},
    {"no", CGROUPS_NO},
    {NULL, 0},
};

static const struct word handovers[] = {
    {"stop_first", HANDOVER_STOP_FIRST},
    {"start_first", HANDOVER_START_FIRST},
    {NULL, 0},
};

#define T(f) offsetof(struct tend_conf, f)
#define S(f) offsetof(struct sup_conf, f)
#define P(f) offsetof(struct prog_conf, f)
#define X(f) offsetof(struct prog_extra, f)
#define NOW true      /* supported */
#define NOT_YET false /* parsed and checked, then an error */

/*
 * name, parser, field, supported, flags, min, max, words. An issue that
 * implements a key flips its NOT_YET to NOW.
 */
static const struct key tend_keys[] = {
    {"socket", p_path, T(socket), NOW, 0, 0, 0, NULL},
    {"socket_group", p_socket_group, T(socket_group), NOW, 0, 0, 0, NULL},
    {"log_dir", p_path, T(log_dir), NOW, 0, 0, 0, NULL},
    {"log_max_size", p_size, T(log_max_size), NOW, 0, 1, 0, NULL},
    {"log_keep", p_unsigned, T(log_keep), NOW, 0, 0, 1000, NULL},
    {"log_ring", p_size, T(log_ring), NOW, 0, 0, 0, NULL},
    {"shutdown_grace", p_duration, T(shutdown_grace_ms), NOW, 0, 0, 0, NULL},
    {"cgroups", p_enum, T(cgroups), NOW, 0, 0, 0, cgroups_modes},
    {"log_timestamps", p_stamps, T(log_timestamps), NOW, 0, 0, 0, NULL},
};

static const struct key sup_keys[] = {
    {"strategy", p_enum, S(strategy), NOW, 0, 0, 0, strategies},
    {"intensity", p_intensity, S(intensity), NOW, 0, 0, 0, NULL},
    {"period", p_duration, S(period_ms), NOW, 0, 1, 0, NULL},
    {"children", p_children, 0, NOW, 0, 0, 0, NULL},
    {"restart", p_enum, S(restart), NOW, K_NOT_ROOT, 0, 0, restarts},
    {"shutdown", p_shutdown, S(shutdown_ms), NOW, K_NOT_ROOT, 0, 0, NULL},
    {"significant", p_significant, S(significant), NOW, K_NOT_ROOT, 0, 0, NULL},
    {"auto_shutdown", p_enum, S(auto_shutdown), NOW, 0, 0, 0, auto_shutdowns},
    {"memory_max", p_memory, S(lim.memory_max), NOW, 0, 0, 0, NULL},
    {"memory_high", p_memory, S(lim.memory_high), NOW, 0, 0, 0, NULL},
    {"cpu_max", p_cpu_max, S(lim), NOW, 0, 1, 1000000, NULL},
    {"cpu_weight", p_int64, S(lim.cpu_weight), NOW, 0, 1, 10000, NULL},
    {"pids_max", p_pids_max, S(lim.pids_max), NOW, 0, 0, 0, NULL},
};

static const struct key prog_keys[] = {
    {"command", p_command, 0, NOW, 0, 0, 0, NULL},
    {"directory", p_path, P(directory), NOW, 0, 0, 0, NULL},
    {"user", p_user, P(user), NOW, 0, 0, 0, NULL},
    {"group", p_group, P(group), NOW, 0, 0, 0, NULL},
    {"umask", p_umask, 0, NOW, 0, 0, 0, NULL},
    {"environment", p_environment, 0, NOW, 0, 0, 0, NULL},
    {"autostart", p_bool, P(autostart), NOW, 0, 0, 0, NULL},
    {"restart", p_enum, P(restart), NOW, 0, 0, 0, restarts},
    {"shutdown", p_shutdown, P(shutdown_ms), NOW, 0, 0, 0, NULL},
    {"stop_signal", p_signal, P(stop_signal), NOW, 0, 0, 0, NULL},
    {"significant", p_significant, P(significant), NOW, 0, 0, 0, NULL},
    {"stdout", p_stdout, 0, NOW, 0, 0, 0, NULL},
    {"stderr", p_stderr, 0, NOW, 0, 0, 0, NULL},
    {"ready", p_ready, 0, NOW, 0, 0, 0, NULL},
    {"start_timeout", p_duration, X(start_timeout_ms), NOW, K_EXTRA, 1, 0,
        NULL},
    {"backoff", p_backoff, 0, NOW, 0, 0, 0, NULL},
    {"min_uptime", p_duration, P(min_uptime_ms), NOW, 0, 0, 0, NULL},
    {"health", p_health, 0, NOW, K_EXTRA, 0, 0, NULL},
    {"health_interval", p_duration, X(health_interval_ms), NOW, K_EXTRA, 1, 0,
        NULL},
    {"health_timeout", p_duration, X(health_timeout_ms), NOW, K_EXTRA, 1, 0,
        NULL},
    {"health_retries", p_unsigned, X(health_retries), NOW, K_EXTRA, 1, 1000000,
        NULL},
    {"watchdog", p_duration, X(watchdog_ms), NOW, K_EXTRA, 1, 0, NULL},
    {"listen", p_listen, 0, NOW, K_REPEAT | K_EXTRA, 0, 0, NULL},
    {"handover", p_enum, X(handover), NOW, K_EXTRA, 0, 0, handovers},
    {"memory_max", p_memory, X(lim.memory_max), NOW, K_EXTRA, 0, 0, NULL},
    {"memory_high", p_memory, X(lim.memory_high), NOW, K_EXTRA, 0, 0, NULL},
    {"cpu_max", p_cpu_max, X(lim), NOW, K_EXTRA, 1, 1000000, NULL},
    {"cpu_weight", p_int64, X(lim.cpu_weight), NOW, K_EXTRA, 1, 10000, NULL},
    {"pids_max", p_pids_max, X(lim.pids_max), NOW, K_EXTRA, 0, 0, NULL},
    {"nice", p_nice, 0, NOW, K_EXTRA, -20, 19, NULL},
    {"oom_score_adj", p_oom_score_adj, 0, NOW, K_EXTRA, -1000, 1000, NULL},
    {"limit_nofile", p_limit, 0, NOW, K_EXTRA, LIMIT_NOFILE, 0, NULL},
    {"limit_core", p_limit, 0, NOW, K_EXTRA, LIMIT_CORE, 0, NULL},
    {"limit_nproc", p_limit, 0, NOW, K_EXTRA, LIMIT_NPROC, 0, NULL},
    {"limit_memlock", p_limit, 0, NOW, K_EXTRA, LIMIT_MEMLOCK, 0, NULL},
};

#define TABLE(keys)                                                            \
	{                                                                      \
		(keys), sizeof(keys) / sizeof((keys)[0])                       \
	}

const struct table conf_tend_table = TABLE(tend_keys);
const struct table conf_sup_table = TABLE(sup_keys);
const struct table conf_prog_table = TABLE(prog_keys);

_Static_assert(
    sizeof(prog_keys) / sizeof(prog_keys[0]) <= MAX_KEYS, "MAX_KEYS too small");

size_t
conf_find_key(const struct table *t, const char *name)
{
	size_t i = 0;

	while (i < t->n &&
	       (t->v[i].name[0] != name[0] || strcmp(t->v[i].name, name) != 0))
		i++;
	return i;
}

/* ---- checking a section ---- */

static void
check_key(struct ctx *c, const struct entry *e, const struct key *k, void *obj,
    const char *where, bool is_root, int *seen)
{
	if (*seen != 0 && !(k->flags & K_REPEAT)) {
		conf_error_at(c, e->line,
		    "%s given twice in %s (first at line %d)", k->name, where,
		    *seen);
		return;
	}
	if (*seen == 0)
		*seen = e->line;
	if (is_root && (k->flags & K_NOT_ROOT)) {
		conf_error_at(c, e->line,
		    "%s: not allowed in [supervisor:root]", k->name);
		return;
	}
	if (!k->supported)
		conf_error_at(c, e->line, "%s: not supported yet", k->name);
	if (e->len == 0) {
		conf_key_error(c, e, "empty value");
		return;
	}
	if ((k->flags & K_EXTRA) && (obj = conf_prog_extra(c, obj)) == NULL)
		return;
	(void)k->parse(c, e, k, obj);
}

/* Check every entry of s into obj; seen[k] is the first line of key k. */
void
conf_check_keys(struct ctx *c, const struct section *s, const struct table *t,
    void *obj, const char *where, bool is_root, int *seen)
{
	struct shown b;

	for (size_t i = 0; i < s->n; i++) {
		const struct entry *e = &s->v[i];
		size_t k = conf_find_key(t, e->key);

		if (*e->key == '\0')
			conf_error_at(
			    c, e->line, "missing key name before '='");
		else if (k == t->n)
			conf_error_at(c, e->line, "unknown key %s in %s",
			    conf_quote(&b, e->key), where);
		else
			check_key(
			    c, e, &t->v[k], obj, where, is_root, &seen[k]);
	}
}
