/* STUB: replaced by the registry module. */
#include "routes.h"

const struct route sites_routes[] = {
	{0},
};
