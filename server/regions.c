/* STUB: replaced by the regions module. */
#include "routes.h"

const struct route regions_routes[] = {
	{0},
};
