#!/usr/bin/env node
// Deletes the Kafka topics a test run made, once its integration tests are over (`npm test` runs it,
// infra/scripts/test.sh). Each name a test takes from `uniqueName` (@gpux/testing) is written to
// the file GPUX_TEST_NAMES names, one per line; a topic named so, or prefixed with one and a dot
// (a namespace: `<name>.orders.events`), is this run's, whatever the test that made it did after.
// Before, about a third of the suites left their topics behind (a thousand partitions per run in
// all), on the broker `npm start` runs too where one was up: every run added to what it held,
// started with and kept in memory. Nothing else is touched: not another run's names (a run going on
// beside this one keeps its topics), not the marketplace's own topics.
//
//   KAFKA_BROKERS=127.0.0.1:19092 node infra/scripts/test-topics.js <names file>
//
// Exits 0 with a last line saying how many topics it deleted (none when the file is missing or
// empty), 1 when Kafka could not be read or a deletion failed (the test run's result stands either
// way: test.sh reports it and goes on), 2 on wrong arguments.
'use strict';
const fs = require('node:fs');

/** The names in a names file: one per line, blank lines and surrounding spaces ignored. */
function readNames(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if (error && error.code === 'ENOENT') return [];
    throw error;
  }
  return [
    ...new Set(
      text
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line.length > 0),
    ),
  ];
}

/** The topics of `topics` that belong to one of `names`: named so, or `<name>.` followed by more. */
function testTopics(names, topics) {
  const exact = new Set(names);
  const namespaces = new Set();
  for (const topic of topics) {
    if (exact.has(topic)) {
      namespaces.add(topic);
      continue;
    }
    // A namespace is the part before a dot; a name may itself hold dots (none does today), so
    // every prefix ending before a dot is tried.
    for (let dot = topic.indexOf('.'); dot > 0; dot = topic.indexOf('.', dot + 1)) {
      if (exact.has(topic.slice(0, dot))) {
        namespaces.add(topic);
        break;
      }
    }
  }
  return [...namespaces].sort();
}

/** How many topics one DeleteTopics request carries. */
const BATCH = 100;

async function main(file) {
  const names = readNames(file);
  if (names.length === 0) {
    console.log(JSON.stringify({ testTopicsDeleted: 0, names: 0 }));
    return 0;
  }
  if (!process.env.KAFKA_BROKERS) {
    console.error(
      '[test-topics] KAFKA_BROKERS must name the broker the tests ran on (host:port[,host:port…])',
    );
    return 2;
  }
  const { Kafka, logLevel } = require('kafkajs');
  const kafka = new Kafka({
    clientId: 'test-topics',
    brokers: process.env.KAFKA_BROKERS.split(',').map((b) => b.trim()),
    logLevel: logLevel.NOTHING,
    retry: { retries: 2 },
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = testTopics(names, await admin.listTopics());
    for (let i = 0; i < topics.length; i += BATCH) {
      await admin.deleteTopics({ topics: topics.slice(i, i + BATCH), timeout: 30_000 });
    }
    console.log(JSON.stringify({ testTopicsDeleted: topics.length, names: names.length }));
    return 0;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

module.exports = { readNames, testTopics };

if (require.main === module) {
  const args = process.argv.slice(2);
  if (args.length !== 1 || args[0].startsWith('-')) {
    console.error('usage: KAFKA_BROKERS=host:port node infra/scripts/test-topics.js <names file>');
    process.exit(2);
  }
  main(args[0]).then(
    (code) => process.exit(code),
    (error) => {
      console.error(
        `[test-topics] the test run's topics were not all deleted: ${error instanceof Error ? error.message : String(error)}`,
      );
      process.exit(1);
    },
  );
}
