/* The scopes a user can hold (the names the API accepts, each with what it allows). */
#include "account/scope.h"

#include <string.h>

#include "base/words.h"

const struct scope_info scope_known[] = {
    {"admin", "Manage users (create, scopes, disable, passwords); run the ledger check", false},
    {"library", "Create and change items (products)", false},
    {"production", "Production plans (kept for API clients; no page uses it)", false},
    {"operator", "The operator panel (kept for API clients; no page uses it)", false},
    {"view:tenant", "See stock, transactions and master data", false},
    {"manage:operations:tenant", "Record transactions and change master data", false},
    {"inventory:count:create", "Plan, start, complete and cancel count sessions", false},
    {"inventory:count:record", "Record counts in the sessions one is assigned to", false},
    {"inventory:count:apply", "Apply a completed count's variances to stock", false},
    {"metrics", "Read the service's metrics (/api/metrics) from outside the host", true},
    {0},
};

static bool known(const char *w, size_t n)
{
	for (size_t i = 0; scope_known[i].name; i++)
		if (strlen(scope_known[i].name) == n && memcmp(scope_known[i].name, w, n) == 0)
			return true;
	return false;
}

bool scope_list_valid(const char *scope_list)
{
	const char *w;
	size_t n;

	if (!scope_list)
		return true;
	while ((n = words_next(&scope_list, &w)) > 0)
		if (!known(w, n))
			return false;
	return true;
}

const char *scope_known_detail(void)
{
	return "Known scopes: admin library production operator view:tenant "
	       "manage:operations:tenant inventory:count:create inventory:count:record "
	       "inventory:count:apply metrics";
}
