/* Waiting for a child process or a signal, without losing a signal that comes just before. */
#include "base/wait_child.h"

#include <errno.h>
#include <sys/wait.h>

pid_t wait_child(int *status, const sigset_t *during)
{
	pid_t pid = waitpid(-1, status, WNOHANG);

	if (pid != 0)
		return pid;
	/* Returns once a handler has run: SIGCHLD's (a child exited) or the caller's own. */
	sigsuspend(during);
	pid = waitpid(-1, status, WNOHANG);
	if (pid != 0)
		return pid;
	errno = EINTR;
	return -1;
}
