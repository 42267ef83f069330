/* The stock ledger: transaction and reference types, each type's stock effect, the ledger check. */
#ifndef STOCKTAKE_LEDGER_H
#define STOCKTAKE_LEDGER_H

#include <stdbool.h>

#include "db/db.h"

struct arena;

/* The API's transaction types (NULL-terminated), in the order stats and lists show them. */
extern const char *const ledger_types[];
/* The reference types a transaction may name (NULL-terminated). */
extern const char *const ledger_reference_types[];

/* Largest quantity one transaction may carry: sums of many stay far from BIGINT's limit. */
#define LEDGER_QTY_MAX 1000000000000LL

/* The stored type of an API type (legacy "adjust" is "stock_adjustment"); NULL if unknown. */
const char *ledger_type_normalize(const char *type);

enum ledger_dir { LEDGER_DIR_NONE = 0, LEDGER_DIR_INCREASE, LEDGER_DIR_DECREASE };

/* "increase" or "decrease"; -1 for anything else. */
int ledger_direction_parse(const char *s, enum ledger_dir *out);

/*
 * Checks a transaction's quantity for its (normalized) type: count takes 0 or
 * more (the counted quantity), every other type more than 0; none more than
 * LEDGER_QTY_MAX. NULL when fine, else the client message.
 */
const char *ledger_quantity_error(const char *type, long long quantity);

enum ledger_rc {
	LEDGER_OK = 0,
	LEDGER_INSUFFICIENT, /* the stock holds less than the transaction takes */
	LEDGER_OVERFLOW,     /* the result would pass LEDGER_QTY_MAX * 1000 */
	LEDGER_BAD_TYPE,
};

/*
 * The signed change a transaction makes to the stock record it names, which
 * holds current units: receive, return and initial_stock add quantity; pick
 * and move take it away (a move's destination gets +quantity); count sets the
 * record to quantity; stock_adjustment adds or takes away by dir. Writes the
 * change to *delta. Quantities were checked with ledger_quantity_error().
 */
enum ledger_rc ledger_delta(const char *type, long long quantity, enum ledger_dir dir,
                            long long current, long long *delta);

/* Result of the ledger check of one tenant. */
struct ledger_check {
	long long stocks_checked;
	/* Stocks whose quantity differs from the ledger: columns stock_id, quantity, ledger_sum. */
	struct db_rows mismatches;
};

/* At most this many mismatching stocks are listed. */
#define LEDGER_CHECK_MAX_LISTED 1000

/*
 * Recomputes, for every stock of the tenant, SUM(delta) of its transactions
 * plus SUM(to_delta) of the moves into it, and compares with its quantity.
 * Two reads (the count and the mismatches) in one transaction, so they see one consistent
 * snapshot while writers go on.
 * Returns 0 or -1 (DB error).
 */
int ledger_check_run(struct arena *a, const char *tenant_id, struct ledger_check *out);

#endif
