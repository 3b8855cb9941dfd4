/* drop_monitor_controller: the rate must stay above the threshold for the whole sustain. */
#include "unit.h"
#include "drop_monitor_controller.h"

TEST(dmc_watch_needs_sustained_rate)
{
	struct dmc_watch w;

	dmc_watch_init(&w, 100, 1.0, 0.25);     /* 4 samples of 0.25 s above 100/s */
	CHECK(w.need == 4);
	CHECK(!dmc_watch_sample(&w, 30, 0.25)); /* 120/s */
	CHECK(!dmc_watch_sample(&w, 30, 0.25));
	CHECK(!dmc_watch_sample(&w, 25, 0.25)); /* exactly 100/s is not above: restart */
	CHECK(!dmc_watch_sample(&w, 30, 0.25));
	CHECK(!dmc_watch_sample(&w, 30, 0.25));
	CHECK(!dmc_watch_sample(&w, 30, 0.25));
	CHECK(dmc_watch_sample(&w, 30, 0.25));
	dmc_watch_reset(&w);
	CHECK(!dmc_watch_sample(&w, 1000, 0.25));
	CHECK(!dmc_watch_sample(&w, 1000, 0));  /* no time passed: not a sample */
}
