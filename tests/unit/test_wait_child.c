/* Unit tests for lib/base/wait_child.c: a signal that came before the wait, a child's exit, no
 * children. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/wait_child.h"

static volatile sig_atomic_t usr1_seen;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		usr1_seen = 1;
}

/* SIGUSR1 and SIGCHLD handled and blocked, as a supervisor has them; *during: the mask to wait in.
 */
static void block_signals(sigset_t *old, sigset_t *during)
{
	struct sigaction sa;
	sigset_t set;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, old);
	*during = *old;
	sigdelset(during, SIGUSR1);
	sigdelset(during, SIGCHLD);
	usr1_seen = 0;
}

static void restore_signals(const sigset_t *old)
{
	signal(SIGUSR1, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	sigprocmask(SIG_SETMASK, old, NULL);
}

static pid_t child_sleeping(unsigned seconds)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		sleep(seconds);
		_exit(7);
	}
	return pid;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* The signal arrived after the caller checked its flags and before it waited: the wait returns at
 * once instead of sleeping until the child exits (the supervisor's lost SIGTERM or SIGHUP). */
static void test_signal_before_wait_is_not_lost(void **state)
{
	sigset_t old, during;
	struct timespec t0;
	pid_t child;
	int st;

	block_signals(&old, &during);
	child = child_sleeping(5);
	raise(SIGUSR1); /* pending: blocked until the wait */
	assert_int_equal(usr1_seen, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	errno = 0;
	assert_int_equal(wait_child(&st, &during), -1);
	assert_int_equal(errno, EINTR);
	assert_int_equal(usr1_seen, 1);
	assert_true(seconds_since(&t0) < 2.0);
	kill(child, SIGKILL);
	assert_int_equal(waitpid(child, &st, 0), child);
	restore_signals(&old);
}

/* A child that exits while the caller waits: its pid and status. */
static void test_child_exit_wakes_the_wait(void **state)
{
	sigset_t old, during;
	pid_t child, got;
	int st = 0;

	block_signals(&old, &during);
	child = child_sleeping(0);
	do
		got = wait_child(&st, &during);
	while (got < 0 && errno == EINTR);
	assert_int_equal(got, child);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 7);
	assert_int_equal(usr1_seen, 0);
	restore_signals(&old);
}

/* A child that exited before the call is reaped without waiting. */
static void test_exited_child_without_waiting(void **state)
{
	sigset_t old, during;
	siginfo_t info;
	pid_t child;
	int st = 0;

	block_signals(&old, &during);
	child = child_sleeping(0);
	memset(&info, 0, sizeof(info));
	assert_int_equal(waitid(P_PID, (id_t)child, &info, WEXITED | WNOWAIT), 0);
	assert_int_equal(wait_child(&st, &during), child);
	assert_int_equal(WEXITSTATUS(st), 7);
	restore_signals(&old);
}

/* No children at all: waitpid's ECHILD, not a wait. */
static void test_no_children(void **state)
{
	sigset_t old, during;
	int st;

	block_signals(&old, &during);
	errno = 0;
	assert_int_equal(wait_child(&st, &during), -1);
	assert_int_equal(errno, ECHILD);
	restore_signals(&old);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_signal_before_wait_is_not_lost),
	    cmocka_unit_test(test_child_exit_wakes_the_wait),
	    cmocka_unit_test(test_exited_child_without_waiting),
	    cmocka_unit_test(test_no_children),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
