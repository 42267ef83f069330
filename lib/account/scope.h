/* The scopes a user can hold: their names, what each allows, and checks of scope lists. */
#ifndef STOCKTAKE_SCOPE_H
#define STOCKTAKE_SCOPE_H

#include <stdbool.h>

/* One scope and a short description of what it allows, for people choosing scopes. */
struct scope_info {
	const char *name;
	const char *description;
	/*
	 * About the installation, not a tenant's data (metrics): not among the scopes "all" gives,
	 * so a tenant's first administrator does not get it unasked.
	 */
	bool installation;
};

/* Every scope the service knows, ending with a zeroed entry, in the order forms show them. */
extern const struct scope_info scope_known[];

/* Every word of scope_list (space-separated; NULL and "" are empty lists) is a known scope. */
bool scope_list_valid(const char *scope_list);

/* The detail of the API's "Invalid scope" refusal: the list of known scopes. */
const char *scope_known_detail(void);

#endif
