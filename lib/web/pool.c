/* The preforked FastCGI pool: its socket, the supervisor that keeps its workers running, their
 * signals and reloads, and the descriptors a pool does not inherit. */
#include "web/pool.h"

#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <fcgiapp.h>

#include "base/env.h"
#include "base/log.h"
#include "base/wait_child.h"
#include "web/metrics.h"

/* Connections waiting for a free worker: a burst beyond it is refused by the kernel (EAGAIN on a
 * unix socket) and nginx answers 503 at once, so it is sized for hundreds of concurrent clients
 * (the kernel caps it at net.core.somaxconn). */
#define POOL_LISTEN_BACKLOG 1024
#define POOL_RESTART_DELAY 1 /* seconds before replacing a worker that died young (crash loop) */
#define POOL_STOP_GRACE 30   /* seconds workers get to finish before SIGKILL */
#define POOL_EXIT_STARTUP 3  /* a worker's "cannot start" status: restarting would not help */

/* Signal state of this process (supervisor or worker). */
static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t grace_over;
static volatile sig_atomic_t worker_listen_fd = -1;
/* The supervisor's SIGHUP: re-read the configuration (JWT keys above all) and pass it on. */
static volatile sig_atomic_t reload_requested;
/* --config as given (NULL: the default lookup of env_load), for reloads. */
static const char *config_path;
/* The mask supervise was called with; the supervisor's mask while it waits (it blocks its signals
 * outside wait_child); the mask a worker starts with: the caller's, with SIGHUP blocked. */
static sigset_t caller_mask;
static sigset_t supervisor_waiting;
static sigset_t worker_start_mask;

bool pool_stopping(void)
{
	return stop_requested != 0;
}

static long elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000L + (now.tv_nsec - start->tv_nsec) / 1000000L;
}

static int fcgi_read(void *ctx, char *dst, int n)
{
	FCGX_Request *fr = ctx;
	int got = FCGX_GetStr(dst, n, fr->in);

	if (got == 0 && FCGX_GetError(fr->in))
		return -1;
	return got;
}

static int fcgi_write(void *ctx, const char *src, int n)
{
	FCGX_Request *fr = ctx;

	return FCGX_PutStr(src, n, fr->out) == n ? 0 : -1;
}

static void worker_on_signal(int sig)
{
	int fd = worker_listen_fd;

	stop_requested = 1;
	/*
	 * Closing our copy of the listening socket makes the next accept fail at
	 * once, even if the signal landed between the flag check and accept().
	 */
	if (fd >= 0) {
		worker_listen_fd = -1;
		close(fd);
	}
}

/*
 * A worker's request lock: its main thread holds it while a request runs, its
 * reload thread while it reloads, so a request is served under one configuration.
 */
static pthread_mutex_t request_lock = PTHREAD_MUTEX_INITIALIZER;
/* A worker's SIGHUP not yet applied; read and cleared under request_lock. */
static volatile sig_atomic_t worker_reload_pending;

/*
 * Re-reads the configuration for a SIGHUP. env_load keeps the previous one when
 * the new one does not load, so a broken edit never takes a process down.
 */
static bool reload_config(void)
{
	if (env_load(config_path) < 0) {
		log_error("reload: the configuration does not load; keeping the previous one");
		return false;
	}
	return true;
}

/* A worker's pending reload, under request_lock. */
static void worker_reload_if_pending(void)
{
	if (!worker_reload_pending)
		return;
	worker_reload_pending = 0;
	if (reload_config())
		log_info("reload: configuration reloaded");
}

/*
 * A worker's reload thread: waits for SIGHUP (blocked in every thread) and
 * reloads as soon as no request runs. An idle worker sits in accept() or in the
 * read of a kept-alive nginx connection, which a signal handler would break
 * (libfcgi closes the connection on EINTR); here neither is disturbed, and the
 * worker has the new configuration before its next request.
 */
static void *reload_thread(void *arg)
{
	sigset_t hup;
	int sig;

	sigemptyset(&hup);
	sigaddset(&hup, SIGHUP);
	for (;;) {
		if (sigwait(&hup, &sig) != 0)
			continue;
		worker_reload_pending = 1;
		pthread_mutex_lock(&request_lock);
		worker_reload_if_pending();
		pthread_mutex_unlock(&request_lock);
	}
	return NULL;
}

/* Starts the reload thread with every signal blocked: stop signals stay the main thread's. */
static void start_reload_thread(void)
{
	sigset_t all, old;
	pthread_t t;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	if (pthread_create(&t, NULL, reload_thread, NULL) != 0)
		log_fatal("cannot start the reload thread");
	pthread_detach(t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void set_handler(int sig, void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a blocked accept() or waitpid() must return on the signal. */
	sa.sa_flags = 0;
	sigaction(sig, &sa, NULL);
}

static int worker_run(const struct pool_work *w, int listen_fd, pid_t parent)
{
	struct req_io io = {fcgi_read, fcgi_write, NULL, NULL};
	FCGX_Request fr;
	sigset_t stop_set;

	/* SIGHUP arrives blocked (spawn_worker) and stays so: the reload thread takes it. */
	set_handler(SIGTERM, worker_on_signal);
	set_handler(SIGINT, worker_on_signal);
	signal(SIGALRM, SIG_DFL);
	worker_listen_fd = listen_fd;
#ifdef __linux__
	/* A supervisor killed with SIGKILL must not leave workers behind. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		return 0;
#endif
	if (w->start(w->ctx) < 0)
		return POOL_EXIT_STARTUP;
	start_reload_thread();

	/* Stop signals wait while a request runs: an interrupted DB read or response write would
	 * fail it. */
	sigemptyset(&stop_set);
	sigaddset(&stop_set, SIGTERM);
	sigaddset(&stop_set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop_set, NULL);

	FCGX_InitRequest(&fr, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR);
	io.ctx = &fr;
	while (!stop_requested) {
		int rc;

		pthread_sigmask(SIG_UNBLOCK, &stop_set, NULL);
		rc = stop_requested ? -1 : FCGX_Accept_r(&fr);
		pthread_sigmask(SIG_BLOCK, &stop_set, NULL);
		if (rc < 0) {
			if (!stop_requested)
				log_error("accept failed: %s", strerror(rc < -1 ? -rc : errno));
			break;
		}
		pthread_mutex_lock(&request_lock);
		/* A SIGHUP the reload thread has seen but not applied yet counts for this request.
		 */
		worker_reload_if_pending();
		io.envp = fr.envp;
		w->serve(w->ctx, &io);
		FCGX_Finish_r(&fr);
		pthread_mutex_unlock(&request_lock);
	}
	FCGX_Free(&fr, 1);
	w->finish(w->ctx);
	return 0;
}

static pid_t spawn_worker(const struct pool_work *w, int listen_fd)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	/* The supervisor forks with its signals blocked (supervise); the worker starts with its
	 * caller's mask and SIGHUP blocked: one sent before its reload thread runs waits for it. */
	if (pid == 0) {
		signal(SIGCHLD, SIG_DFL);
		sigprocmask(SIG_SETMASK, &worker_start_mask, NULL);
	}
	if (pid < 0) {
		log_error("fork failed: %s", strerror(errno));
		return 0;
	}
	if (pid == 0)
		exit(worker_run(w, listen_fd, parent));
	metrics_workers_up(1);
	return pid;
}

static void supervisor_on_signal(int sig)
{
	if (sig == SIGCHLD)
		return; /* only wakes wait_child */
	if (sig == SIGALRM)
		grace_over = 1;
	else if (sig == SIGHUP)
		reload_requested = 1;
	else
		stop_requested = 1;
}

/*
 * SIGHUP to the pool: the supervisor loads the configuration first (workers it
 * forks later start with it), and only one that loads reaches the workers; each
 * applies it as soon as its current request (if any) is done, so none fails.
 */
static void reload_pool(const pid_t *pids, int n)
{
	int told = 0;

	reload_requested = 0;
	if (!reload_config())
		return;
	for (int i = 0; i < n; i++)
		if (pids[i] > 0 && kill(pids[i], SIGHUP) == 0)
			told++;
	/* Logged once every worker has been told; each logs its own reload (./devstack reload waits
	 * for all of them). */
	log_info("reload: configuration reloaded; %d workers told", told);
}

static int slot_of(const pid_t *pids, int n, pid_t pid)
{
	for (int i = 0; i < n; i++)
		if (pids[i] == pid)
			return i;
	return -1;
}

/*
 * Sends SIGTERM to every worker and waits; SIGKILL after the grace period.
 * Returns how many did not exit cleanly.
 */
static int stop_workers(pid_t *pids, int n)
{
	int alive = 0, unclean = 0;

	for (int i = 0; i < n; i++)
		if (pids[i] > 0 && kill(pids[i], SIGTERM) == 0)
			alive++;
	alarm(POOL_STOP_GRACE);
	while (alive > 0) {
		int st, slot;
		pid_t pid = wait_child(&st, &supervisor_waiting);

		if (pid < 0) {
			if (errno != EINTR)
				break;
			if (grace_over) {
				log_warn("workers still busy after %d s: killing them",
				         POOL_STOP_GRACE);
				for (int i = 0; i < n; i++)
					if (pids[i] > 0)
						kill(pids[i], SIGKILL);
				grace_over = 0;
			}
			continue;
		}
		if ((slot = slot_of(pids, n, pid)) >= 0) {
			pids[slot] = 0;
			alive--;
			metrics_workers_up(-1);
			if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
				log_warn("worker %ld did not stop cleanly", (long)pid);
				unclean++;
			}
		}
	}
	alarm(0);
	return unclean + alive;
}

/* The signals the supervisor handles. */
static void supervisor_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGALRM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGCHLD);
}

/*
 * The supervisor's signals stay blocked except while it waits in wait_child, so that a signal
 * arriving between a check of the flags and the wait is not slept through (a reload that waited
 * for the next worker to die, a SIGTERM that never stopped the pool).
 */
static void block_supervisor_signals(void)
{
	sigset_t set;

	supervisor_signals(&set);
	sigprocmask(SIG_BLOCK, &set, &caller_mask);
	supervisor_waiting = caller_mask;
	for (int sig = 1; sig < NSIG; sig++)
		if (sigismember(&set, sig) == 1)
			sigdelset(&supervisor_waiting, sig);
	worker_start_mask = caller_mask;
	sigaddset(&worker_start_mask, SIGHUP);
	set_handler(SIGTERM, supervisor_on_signal);
	set_handler(SIGINT, supervisor_on_signal);
	set_handler(SIGALRM, supervisor_on_signal);
	set_handler(SIGHUP, supervisor_on_signal);
	set_handler(SIGCHLD, supervisor_on_signal);
}

/* Back to the caller's mask and SIGCHLD's default once the workers are gone (tests run pools in
 * their own process). */
static void unblock_supervisor_signals(void)
{
	signal(SIGCHLD, SIG_DFL);
	sigprocmask(SIG_SETMASK, &caller_mask, NULL);
}

/*
 * Forks the workers and keeps them running until SIGTERM/SIGINT. A worker that
 * dies is replaced at once (a killed worker must be back within a second); only
 * one that dies within POOL_RESTART_DELAY of its start waits that long first, so
 * a crash loop does not spin.
 */
static int supervise(const struct pool_work *w, int listen_fd, int nworkers)
{
	pid_t *pids = calloc((size_t)nworkers, sizeof(*pids));
	struct timespec *started = calloc((size_t)nworkers, sizeof(*started));
	int rc = 0;

	if (!pids || !started)
		log_fatal("out of memory");
	block_supervisor_signals();
	log_info("starting %d workers", nworkers);
	for (int i = 0; i < nworkers && !stop_requested; i++) {
		pids[i] = spawn_worker(w, listen_fd);
		clock_gettime(CLOCK_MONOTONIC, &started[i]);
	}

	while (!stop_requested) {
		int st, slot;
		pid_t pid;

		if (reload_requested) {
			reload_pool(pids, nworkers);
			continue;
		}
		if ((pid = wait_child(&st, &supervisor_waiting)) < 0) {
			if (errno == EINTR)
				continue;
			log_error("waitpid failed: %s", strerror(errno));
			rc = 1;
			break;
		}
		if ((slot = slot_of(pids, nworkers, pid)) < 0)
			continue;
		pids[slot] = 0;
		metrics_workers_up(-1);
		if (WIFEXITED(st) && WEXITSTATUS(st) == POOL_EXIT_STARTUP) {
			log_error("a worker could not start: stopping");
			rc = 1;
			break;
		}
		if (stop_requested)
			break;
		if (WIFSIGNALED(st))
			log_error("worker %ld killed by signal %d: restarting", (long)pid,
			          WTERMSIG(st));
		else
			log_warn("worker %ld exited with status %d: restarting", (long)pid,
			         WEXITSTATUS(st));
		if (elapsed_ms(&started[slot]) < POOL_RESTART_DELAY * 1000L)
			sleep(POOL_RESTART_DELAY);
		if (!stop_requested) {
			metrics_worker_restart();
			pids[slot] = spawn_worker(w, listen_fd);
			clock_gettime(CLOCK_MONOTONIC, &started[slot]);
		}
	}
	if (stop_workers(pids, nworkers) > 0)
		rc = 1;
	unblock_supervisor_signals();
	free(started);
	free(pids);
	log_info("stopped");
	return rc;
}

/* Whether a server already accepts connections on the unix socket at path. */
static bool socket_in_use(const char *path)
{
	struct sockaddr_un sa;
	int fd, rc;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path))
		return false;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return rc == 0;
}

/*
 * The pool's unix socket at path: mode 0660, group `group` (NULL: ours), so
 * that only the web server's group can reach the handlers.
 */
static int open_listen_socket(const char *path, const char *group, struct stat *created)
{
	struct stat st;
	gid_t gid = (gid_t)-1;
	mode_t old_mask;
	int fd;

	/* libfcgi reads "host:port" as TCP on every interface; only unix sockets are meant here. */
	if (!*path || strchr(path, ':')) {
		log_error("--listen takes a unix socket path, not %s", path);
		return -1;
	}
	if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		log_error("socket path too long: %s", path);
		return -1;
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_error("%s exists and is not a socket", path);
			return -1;
		}
		if (socket_in_use(path)) {
			log_error("%s is in use by another server", path);
			return -1;
		}
		unlink(path);
	}
	if (group) {
		struct group *gr = getgrnam(group);

		if (!gr) {
			log_error("socket_group %s: no such group", group);
			return -1;
		}
		gid = gr->gr_gid;
	}
	/* Created 0660 (no window in which anyone may connect), then given to the web server's
	 * group. */
	old_mask = umask(0117);
	fd = FCGX_OpenSocket(path, POOL_LISTEN_BACKLOG);
	umask(old_mask);
	if (fd < 0) {
		log_error("cannot listen on %s: %s", path, strerror(errno));
		return -1;
	}
	if (chmod(path, 0660) < 0 || (group && chown(path, (uid_t)-1, gid) < 0)) {
		log_error("cannot set the mode or group of %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	if (lstat(path, created) < 0)
		memset(created, 0, sizeof(*created));
	return fd;
}

/*
 * The directory of the pool's shared counters: the config's metrics_dir, else the --listen
 * socket's directory, else systemd's RUNTIME_DIRECTORY (its first entry); NULL for none.
 * In buf (of size n).
 */
static const char *metrics_dir_for(const char *listen, char *buf, size_t n)
{
	const char *dir = env_get()->metrics_dir, *slash;

	if (dir && *dir)
		return dir;
	if (listen && (slash = strrchr(listen, '/'))) {
		snprintf(buf, n, "%.*s", slash == listen ? 1 : (int)(slash - listen), listen);
		return buf;
	}
	if (listen)
		return ".";
	if ((dir = getenv("RUNTIME_DIRECTORY")) && *dir) {
		snprintf(buf, n, "%.*s", (int)strcspn(dir, ":"), dir);
		return buf;
	}
	return NULL;
}

/* The supervisor's shared counters (web/metrics.h), kept for as long as it runs, then removed. */
static int supervise_with_metrics(const struct pool_work *w, const char *listen, int listen_fd,
                                  int workers)
{
	char buf[256];
	const char *dir = metrics_dir_for(listen, buf, sizeof(buf));
	int rc;

	if (!dir)
		log_info(
		    "no metrics_dir and no runtime directory: /api/metrics shows no %s counters",
		    w->name);
	else if (metrics_create(dir, w->name, w->routes) < 0)
		log_warn("metrics disabled: cannot create the counters file in %s", dir);
	rc = supervise(w, listen_fd, workers);
	metrics_close(true);
	return rc;
}

/* Closes the descriptors from first to last; close_range where the kernel has it (5.9). */
static void close_fds(unsigned int first, unsigned int last)
{
	long max;

	if (first > last || close_range(first, last, 0) == 0)
		return;
	max = sysconf(_SC_OPEN_MAX);
	for (long fd = first; fd <= (long)last && fd < (max > 0 ? max : 1024); fd++)
		close((int)fd);
}

/*
 * A pool keeps only the descriptors it needs: 0-2, its listening socket keep,
 * and systemd's LISTEN_FDS when they are ours. Whatever else it inherits (a
 * caller's lock file held by flock(1), a terminal's pipes) would otherwise stay
 * open, and locked, for as long as the pool runs. Only on the way to
 * supervise(): a CGI request or a failed start returns to its caller.
 */
static void close_inherited_fds(int keep)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	unsigned int first = 3;

	if (pid && fds && atol(pid) == (long)getpid() && atoi(fds) > 0 && atoi(fds) < 1024)
		first += (unsigned int)atoi(fds);
	if (keep >= (int)first) {
		close_fds(first, (unsigned int)keep - 1);
		first = (unsigned int)keep + 1;
	}
	close_fds(first, ~0U);
}

int pool_serve_path(const struct pool_work *w, const char *path, int nworkers)
{
	struct stat created, now;
	int listen_fd, rc;

	stop_requested = 0;
	config_path = w->config_path;
	listen_fd = open_listen_socket(path, env_get()->socket_group, &created);
	if (listen_fd < 0)
		return 1;
	log_info("listening on %s", path);
	close_inherited_fds(listen_fd);
	rc = supervise_with_metrics(w, path, listen_fd, nworkers);
	close(listen_fd);
	/* Only our own socket: a successor may have bound the path meanwhile. */
	if (lstat(path, &now) == 0 && now.st_ino == created.st_ino && now.st_dev == created.st_dev)
		unlink(path);
	return rc;
}

int pool_serve_stdin(const struct pool_work *w, int nworkers)
{
	stop_requested = 0;
	config_path = w->config_path;
	close_inherited_fds(0);
	return supervise_with_metrics(w, NULL, 0, nworkers);
}
