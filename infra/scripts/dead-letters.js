#!/usr/bin/env node
// The dead letters of a running marketplace: every message a service could not process, with why
// (`dlq_reason`) and where it came from (`dlq_topic`, `dlq_partition`, `dlq_offset`), one JSON line
// each, oldest first. A client told UNPROCESSABLE names `extensions.deadLetter`; this is where the
// operator reads it. Read-only: it commits no offsets, so it can be run again and again.
//
//   node infra/scripts/dead-letters.js                # orders, settlement and capacity
//   node infra/scripts/dead-letters.js settlement     # one service's
//
// Kafka as `npm start` runs it (GPUX_KAFKA_PORT; not given, the port the run folder's start kept in
// ports.env, as `npm run stop` finds it; else 19092), or KAFKA_BROKERS; topics prefixed with
// TOPIC_NAMESPACE where one is set. Exits 0 (with a last line counting them), 1 when
// Kafka cannot be read, 2 on a wrong argument or a KAFKA_BROKERS (GPUX_KAFKA_PORT) not of the form.
'use strict';
const { Kafka, logLevel } = require('kafkajs');
const ports = require('./ports');

const SERVICES = ['orders', 'settlement', 'capacity'];
const USAGE = `usage: node infra/scripts/dead-letters.js [${SERVICES.join('|')}]...
Prints each dead letter of the services named (all three by default) as one JSON line: its topic,
offset, time, reason, origin (topic, partition, offset), key, headers and value. Kafka is
KAFKA_BROKERS (host:port[,host:port…]), else 127.0.0.1:GPUX_KAFKA_PORT (not given: the port the
start of run folder ${ports.runDir()} kept in its ports.env, else 19092); topics take
TOPIC_NAMESPACE's prefix. Exits 0, 1 when Kafka cannot be read, 2 on a wrong argument or variable.`;

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}
const unknown = args.find((a) => !SERVICES.includes(a));
if (unknown !== undefined) {
  console.error(
    `[dead-letters] unknown argument ${JSON.stringify(unknown)}: give service names (${SERVICES.join(', ')}) or none for all`,
  );
  process.exit(2);
}
const services = args.length ? args : SERVICES;
/**
 * The brokers, checked before connecting (kafkajs would answer 'Port should be >= 0 and < 65536'
 * or retry a host that cannot be one): the form the services' KAFKA_BROKERS takes
 * (libs/platform/src/lib/config.ts), each port 1 to 65535. Exits 2 naming the variable (and
 * ports.env, for a port read there).
 */
function readBrokers() {
  if (!process.env.KAFKA_BROKERS) {
    // npm start's Kafka where it runs now: on moved ports, the default one would be another
    // stack's, or nothing (ECONNREFUSED on 127.0.0.1:19092).
    const port = ports.port('GPUX_KAFKA_PORT', 19092, (message) => {
      console.error(`[dead-letters] ${message}`);
      process.exit(2);
    });
    return [`127.0.0.1:${port}`];
  }
  const list = process.env.KAFKA_BROKERS.split(',')
    .map((b) => b.trim())
    .filter((b) => b.length > 0);
  const bad = (b) => {
    const m = /^[A-Za-z0-9.\-_]+:(\d{1,5})$/.exec(b);
    return !m || Number(m[1]) < 1 || Number(m[1]) > 65535;
  };
  if (list.length === 0 || list.some(bad)) {
    console.error(
      `[dead-letters] KAFKA_BROKERS must be host:port[,host:port…], each port 1 to 65535, e.g. 127.0.0.1:19092 (it is ${JSON.stringify(process.env.KAFKA_BROKERS)}); unset, it is npm start's Kafka at 127.0.0.1:GPUX_KAFKA_PORT`,
    );
    process.exit(2);
  }
  return list;
}
const brokers = readBrokers();
const prefix = process.env.TOPIC_NAMESPACE ? `${process.env.TOPIC_NAMESPACE}.` : '';

/** A header's value as text (kafkajs gives Buffers, or arrays of them for repeated keys). */
const text = (v) =>
  Array.isArray(v) ? v.map(text).join(',') : v === undefined || v === null ? null : v.toString();

async function main() {
  const kafka = new Kafka({
    clientId: 'dead-letters',
    brokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 2 },
  });
  const admin = kafka.admin();
  await admin.connect();
  let count = 0;
  try {
    const existing = new Set(await admin.listTopics());
    for (const service of services) {
      const topic = `${prefix}${service}.dead-letter`;
      if (!existing.has(topic)) continue;
      const ends = await admin.fetchTopicOffsets(topic);
      for (const { partition, low, high } of ends) {
        if (BigInt(high) <= BigInt(low)) continue;
        count += await readPartition(kafka, topic, partition, BigInt(low), BigInt(high));
      }
    }
  } finally {
    await admin.disconnect();
  }
  console.log(JSON.stringify({ deadLetters: count, services }));
}

/**
 * Prints the messages of one partition from `low` up to (not including) `high`; returns how many.
 * Dead letters are written in transactions, whose commit markers take offsets too: the last
 * message is below `high - 1`, so the read ends at `high - 1` or once nothing more has come for
 * IDLE_MS (a second of quiet after the last message; five before the first).
 */
async function readPartition(kafka, topic, partition, low, high) {
  const consumer = kafka.consumer({ groupId: `dead-letters-${process.pid}-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let printed = 0;
  try {
    await new Promise((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error(`reading ${topic} took over 60 s`)), 60_000);
      let idle = setTimeout(done, 5_000);
      function done() {
        clearTimeout(deadline);
        clearTimeout(idle);
        resolve();
      }
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ message }) => {
            const offset = BigInt(message.offset);
            if (offset >= low && offset < high) {
              const headers = Object.fromEntries(
                Object.entries(message.headers ?? {}).map(([k, v]) => [k, text(v)]),
              );
              console.log(
                JSON.stringify({
                  topic,
                  partition,
                  offset: message.offset,
                  time: new Date(Number(message.timestamp)).toISOString(),
                  reason: headers.dlq_reason ?? null,
                  from: {
                    topic: headers.dlq_topic ?? null,
                    partition: headers.dlq_partition ?? null,
                    offset: headers.dlq_offset ?? null,
                  },
                  key: message.key ? message.key.toString() : null,
                  headers,
                  value: message.value ? message.value.toString() : null,
                }),
              );
              printed++;
            }
            clearTimeout(idle);
            if (offset + 1n >= high - 1n) done();
            else idle = setTimeout(done, 1_000);
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return printed;
}

main().catch((error) => {
  console.error(
    `[dead-letters] cannot read Kafka at ${brokers.join(',')}: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
