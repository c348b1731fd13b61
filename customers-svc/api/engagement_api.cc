#include "customers-svc/api/engagement_api.h"
