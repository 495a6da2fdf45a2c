// Preloaded into a benchmark child (`node -r bench/report-rss.js ...`) by
// scripts/bench.js when /usr/bin/time is not available: when the process
// exits, write its peak resident set size to the file named by BENCH_RSS_FILE.
// process.resourceUsage().maxRSS is getrusage(RUSAGE_SELF).ru_maxrss, in KiB:
// the same figure /usr/bin/time -v reports as "Maximum resident set size".
'use strict';

const fs = require('fs');

const file = process.env.BENCH_RSS_FILE;
if (file) {
  process.on('exit', (code) => {
    try {
      fs.writeFileSync(file, JSON.stringify({ maxRssKiB: process.resourceUsage().maxRSS, exitCode: code }));
    } catch {
      // The benchmark reports a missing figure; never change the app's exit.
    }
  });
}
