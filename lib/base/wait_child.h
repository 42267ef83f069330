/* Waiting for a child process or a signal, without losing a signal that comes just before. */
#ifndef STOCKTAKE_WAIT_CHILD_H
#define STOCKTAKE_WAIT_CHILD_H

#include <signal.h>
#include <sys/types.h>

/*
 * A supervisor that checks a flag set by its signal handler and then blocks in waitpid() sleeps
 * through a signal that arrives between the two: a SIGTERM to the supervisor alone, or a SIGHUP
 * (reload), then waits until some child happens to exit. The cure is to keep those signals
 * blocked, check the flags, and wait in sigsuspend(), which unblocks them atomically.
 *
 * wait_child: with the caller's signals blocked (SIGCHLD among them, with a handler installed so
 * that a child's exit wakes the wait), reaps one exited child of this process and returns its pid
 * (its status in *status) without blocking if there is one; otherwise waits under the signal mask
 * `during` (the caller's mask without those signals) until a signal is handled, then reaps a child
 * if one exited meanwhile. Returns -1 with errno EINTR when a signal other than a child's exit
 * was handled (the caller checks its flags and calls again), and -1 with errno from waitpid()
 * (ECHILD: no children) otherwise.
 */
pid_t wait_child(int *status, const sigset_t *during);

#endif
