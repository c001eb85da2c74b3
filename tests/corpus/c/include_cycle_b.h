#include "include_cycle_a.h"
int from_b;
