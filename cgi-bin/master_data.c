/*
 * Master data endpoints (/warehousing/warehouses, bins, items, stocks): routes onto the CRUD
 * engine's descriptors (web/master_resources.c).
 */
#include <stddef.h>

#include "stock/master.h"
#include "web/app.h"
#include "web/envelope.h"
#include "web/master_resources.h"
#include "web/req.h"
#include "web/resource.h"

#define READ_SCOPES "view:tenant manage:operations:tenant"
#define WRITE_SCOPES "manage:operations:tenant"
#define ITEM_WRITE_SCOPES "manage:operations:tenant library"

static const struct resource *const resources[] = {&master_resources_warehouses,
                                                   &master_resources_bins, &master_resources_items,
                                                   &master_resources_stocks, NULL};

/* The route table names the path; the path picks the descriptor. */
static void handle_list(struct request *r)
{
	res_list(r, res_for_path(resources, r->path));
}

/* Keyed (RES_ROUTES): a create under an Idempotency-Key replays its first answer. */
static void handle_create(struct request *r)
{
	res_create(r, res_for_path(resources, r->path));
}

static void handle_get(struct request *r)
{
	res_get(r, res_for_path(resources, r->path));
}

static void handle_update(struct request *r)
{
	res_update(r, res_for_path(resources, r->path));
}

static void handle_delete(struct request *r)
{
	res_delete(r, res_for_path(resources, r->path));
}

#define MASTER_ROUTES(base, write_scopes, list_query)                                              \
	RES_ROUTES(base, READ_SCOPES, write_scopes, list_query, handle_list, handle_create,        \
	           handle_get, handle_update, handle_delete)

static const struct route routes[] = {
    MASTER_ROUTES("/warehousing/warehouses", WRITE_SCOPES, MASTER_WAREHOUSES_QUERY),
    MASTER_ROUTES("/warehousing/bins", WRITE_SCOPES, MASTER_BINS_QUERY),
    MASTER_ROUTES("/warehousing/items", ITEM_WRITE_SCOPES, MASTER_ITEMS_QUERY),
    MASTER_ROUTES("/warehousing/stocks", WRITE_SCOPES, MASTER_STOCKS_QUERY),
    {0}};

static const struct app master_data_app = {
    .name = "master_data",
    .routes = routes,
    .error = envelope_ondi_error,
    .json_bodies = true,
    .init = NULL,
};

int main(int argc, char **argv)
{
	return app_main(&master_data_app, argc, argv);
}
