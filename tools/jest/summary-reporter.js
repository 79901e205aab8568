// Appends one line of counts per jest run to the file named by GPUX_TEST_SUMMARY, so that
// `npm test`, which runs jest once per Nx project, can print one total at the end.
'use strict';
const fs = require('node:fs');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const file = process.env.GPUX_TEST_SUMMARY;
    if (!file) return;
    // A suite that could not run counts as one failure; a suite with failing tests is counted by them.
    const { numPassedTests, numFailedTests, numPendingTests, numRuntimeErrorTestSuites } = results;
    fs.appendFileSync(
      file,
      `${numPassedTests} ${numFailedTests + numRuntimeErrorTestSuites} ${numPendingTests}\n`,
    );
  }
}

module.exports = SummaryReporter;
