/*
 * config.h: the configuration file (SPEC section 3), read and validated
 * into a struct config. Pure: it reads the FILE * it is given and nothing
 * else (no user database, no environment, no clock), prints nothing, and
 * reports every problem as a diagnostic {file, line, message}.
 *
 * The tree is resolved here: every program and supervisor gets its parent
 * and its position among the parent's children, so that tree.c builds the
 * runtime tree without any further checks.
 */
#ifndef TEND_CONFIG_H
#define TEND_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* durations that may be "infinity" or "brutal_kill" */
#define CONFIG_INFINITY (-1)
#define CONFIG_BRUTAL_KILL (-2)
/* rlimit value "infinity" */
#define CONFIG_RLIM_INFINITY UINT64_MAX

enum strategy {
	STRATEGY_ONE_FOR_ONE,
	STRATEGY_ONE_FOR_ALL,
	STRATEGY_REST_FOR_ONE,
};

enum restart {
	RESTART_PERMANENT,
	RESTART_TRANSIENT,
	RESTART_TEMPORARY,
};

enum auto_shutdown {
	AUTO_SHUTDOWN_NEVER,
	AUTO_SHUTDOWN_ANY,
	AUTO_SHUTDOWN_ALL,
};

enum cgroups_mode {
	CGROUPS_AUTO,
	CGROUPS_YES,
	CGROUPS_NO,
};

/* stdout and stderr of a program */
enum out_mode {
	OUT_DEFAULT, /* not given: the contract's default for the key */
	OUT_LOG,
	OUT_INHERIT,
	OUT_NULL,
	OUT_FILE,   /* path in out_path */
	OUT_STDOUT, /* stderr only: merged into stdout */
};

enum ready_mode {
	READY_START,
	READY_NOTIFY,
	READY_FD,   /* fd number in ready_fd */
	READY_EXEC, /* argv in ready_argv */
	READY_TCP,  /* port in ready_port */
};

enum health_mode {
	HEALTH_NONE,
	HEALTH_EXEC, /* argv in health_argv */
	HEALTH_TCP,  /* port in health_port */
};

enum handover {
	HANDOVER_STOP_FIRST,
	HANDOVER_START_FIRST,
};

enum limit {
	LIMIT_NOFILE,
	LIMIT_CORE,
	LIMIT_NPROC,
	LIMIT_MEMLOCK,
	LIMIT_COUNT,
};

struct diag {
	const char *file; /* d->file when added: borrowed (config_parse sets
	                   * it to struct config's file) */
	int line; /* 1-based; 0 when the problem has no line (I/O error) */
	char *msg;
};

struct diags {
	struct diag *v;
	size_t n, cap;
	const char *file; /* the file of new diagnostics (borrowed) */
};

/* A child of a supervisor, resolved: a program or a supervisor by index. */
struct child_ref {
	bool is_sup;
	size_t index; /* into config.progs or config.sups */
};

enum listen_kind {
	LISTEN_TCP4,
	LISTEN_TCP6,
	LISTEN_UNIX,
};

/* listen = ADDRESS[;name=NAME] (SPEC 7), parsed. */
struct listen_conf {
	char *addr; /* as written, without ;name=: tcp:HOST:PORT,
	             * tcp6:[HOST]:PORT, tcp:[HOST]:PORT or unix:PATH */
	char *name; /* for LISTEN_FDNAMES; NULL: the program's name */
	int line;
	enum listen_kind kind;
	unsigned char ip[16]; /* TCP: the address, in network order (4 or
	                       * 16 bytes) */
	int port;             /* TCP */
	const char *path;     /* UNIX: into addr */
};

struct tend_conf {
	char *socket;       /* NULL: the default rule of SPEC 5 */
	char *socket_group; /* NULL: none */
	int socket_group_line;
	char *log_dir; /* NULL: programs' lines go to tend's stdout */
	int64_t log_max_size;
	unsigned log_keep;
	int64_t log_ring;
	int64_t shutdown_grace_ms;
	enum cgroups_mode cgroups;
	/* log_timestamps: not set, tend's own lines are stamped unless
	 * stderr is the journal, and log_dir files are not */
	bool log_timestamps, log_timestamps_set;
};

/*
 * cgroup limits of a program, or of a supervisor's whole subtree (SPEC 9).
 * Each is -1 when not set; "max" is INT64_MAX.
 */
struct cg_limits {
	int64_t memory_max, memory_high; /* bytes */
	int64_t cpu_quota_us;            /* cpu_max: quota per period */
	int64_t cpu_period_us;
	int64_t cpu_weight; /* 1..10000 */
	int64_t pids_max;   /* processes and threads */
};

/* cpu_max: a period from 1 ms to 1 s, a quota of at least 1 ms (the
 * kernel's bounds); N% is N/100 of the default period. */
#define CONF_CPU_PERIOD_DEFAULT 100000
#define CONF_CPU_PERIOD_MIN 1000
#define CONF_CPU_PERIOD_MAX 1000000
#define CONF_CPU_QUOTA_MIN 1000

#define CG_LIMITS_NONE                                                         \
	{                                                                      \
		-1, -1, -1, -1, -1, -1                                         \
	}

/* Whether l sets any limit. */
bool cg_limits_any(const struct cg_limits *l);

struct sup_conf {
	char *name;
	int line; /* of its [supervisor:NAME] header; 0 for an implicit root */
	enum strategy strategy;
	int64_t intensity; /* CONFIG_INFINITY or >= 0 */
	int64_t period_ms; /* > 0 */
	enum restart restart;
	int64_t shutdown_ms; /* CONFIG_INFINITY, CONFIG_BRUTAL_KILL or >= 0 */
	bool significant;
	enum auto_shutdown auto_shutdown;
	struct cg_limits lim;
	/* resolved children in start order (for the root: its listed
	 * children, then every unlisted one in file order) */
	struct child_ref *kids;
	size_t nkids;
	/* resolved parent; sups[0] (the root) has none: both are 0 there */
	size_t parent;
	size_t position; /* index among the parent's kids */
};

/*
 * The keys of [program:NAME] that most programs leave at their defaults.
 * The parser allocates a program's prog_extra when its section sets one
 * of them; prog_extra() reads the defaults otherwise, so 10,000 plain
 * programs do not carry about 230 bytes each of defaults.
 */
struct prog_extra {
	int ready_fd;
	char **ready_argv; /* READY_EXEC: NULL-terminated, one allocation */
	int ready_port;
	int64_t start_timeout_ms;
	enum health_mode health;
	char **health_argv; /* HEALTH_EXEC */
	int health_port;    /* HEALTH_TCP */
	int64_t health_interval_ms, health_timeout_ms;
	unsigned health_retries;
	int64_t watchdog_ms; /* 0: none */
	struct listen_conf *listen;
	size_t nlisten;
	enum handover handover;
	struct cg_limits lim;
	bool has_nice;
	int nice; /* -20..19 */
	bool has_oom_score_adj;
	int oom_score_adj; /* -1000..1000 */
	bool has_limit[LIMIT_COUNT];
	uint64_t limit[LIMIT_COUNT]; /* CONFIG_RLIM_INFINITY for infinity */
};

struct prog_conf {
	char *name;
	int line;    /* of its [program:NAME] header */
	char **argv; /* words of command, NULL-terminated, one allocation */
	size_t argc;
	char *directory; /* NULL: tend's */
	char *user;      /* NULL: tend's; a name or a number as written */
	char *group;     /* NULL: tend's (or the user's primary group) */
	int user_line, group_line;
	int umask;  /* -1: tend's */
	char **env; /* KEY=VALUE words, NULL-terminated, one allocation */
	size_t envc;
	bool autostart;
	enum restart restart;
	int64_t shutdown_ms; /* CONFIG_INFINITY, CONFIG_BRUTAL_KILL or >= 0 */
	int stop_signal;
	bool significant;
	enum out_mode out, err;
	char *out_path, *err_path; /* for OUT_FILE */
	enum ready_mode ready;
	int64_t backoff_min_ms, backoff_max_ms; /* both 0: no backoff */
	int64_t min_uptime_ms;
	struct prog_extra *extra; /* NULL: all defaults; read prog_extra() */
	/* resolved parent */
	size_t parent;   /* index into config.sups */
	size_t position; /* index among the parent's kids */
};

/* p's extra keys: its own, or the defaults' (never NULL). */
const struct prog_extra *prog_extra(const struct prog_conf *p);

struct config_index;

struct config {
	char *file; /* as given to config_parse */
	struct tend_conf tend;
	struct sup_conf *sups; /* sups[0] is the root, given or implicit */
	size_t nsups;
	struct prog_conf *progs; /* in file order */
	size_t nprogs;
	struct config_index *index; /* private to config.c: names -> nodes;
	                             * NULL in a config built by hand */
};

/*
 * Read the INI text of fp (named file in diagnostics) into cfg and append
 * every problem to d, sorted by line. cfg is overwritten, not freed first.
 * d->file is set to cfg->file, a copy of file: the new diagnostics borrow
 * it, so free d (or stop using it) before cfg. Returns 0 when the file is
 * valid, -1 when it is not (errno EINVAL; d has at least one diagnostic)
 * or could not be read (errno set, a diagnostic with line 0; ENOMEM when
 * memory ran out). On -1, cfg holds whatever was read and must still be
 * freed with config_free().
 */
int config_parse(
    FILE *fp, const char *file, struct config *cfg, struct diags *d);

/* Read the file at path (config_load_text, the text let go). Same
 * return values. */
int config_load(const char *path, struct config *cfg, struct diags *d);

/* The whole file at path, malloc'd and NUL-terminated, *len its length;
 * NULL with errno if it cannot be read. */
char *config_read(const char *path, size_t *len);

/* config_parse of text (len bytes: a file read once and kept, as for an
 * upgrade). Same return values (a buffer that cannot be opened as a
 * stream: a diagnostic with line 0). */
int config_parse_text(char *text, size_t len, const char *file,
    struct config *cfg, struct diags *d);

/* Read the file at path once and parse that text, which is left in
 * *text (malloc'd; NULL if the file could not be read: a diagnostic with
 * line 0 says why) for the caller to keep or free. Same return values. */
int config_load_text(const char *path, struct config *cfg, struct diags *d,
    char **text, size_t *len);

/* Free everything cfg owns and zero it. Safe on a zeroed struct. */
void config_free(struct config *cfg);

/*
 * Find a program or supervisor by name (names are unique across both):
 * true with which one in *r, or false. O(1) through the name index; a
 * scan in a config built by hand (index NULL).
 */
bool config_find(
    const struct config *cfg, const char *name, struct child_ref *r);

/* Find a program or supervisor by name: its index, or -1. */
long config_find_prog(const struct config *cfg, const char *name);
long config_find_sup(const struct config *cfg, const char *name);

/*
 * Append a diagnostic "file:line: fmt..." (the message is formatted with
 * vsnprintf). Returns 0, or -1 on ENOMEM (the diagnostic is then lost, but
 * d->n still grows by a placeholder so that a failed parse never looks
 * valid).
 */
int diags_add(struct diags *d, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Sort diagnostics by line, keeping the order of equal lines. */
void diags_sort(struct diags *d);

/* Free every diagnostic and zero d. */
void diags_free(struct diags *d);

#endif
