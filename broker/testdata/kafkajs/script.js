'use strict'

// Drives KafkaJS against a Strata broker: the admin creates a topic, the
// producer sends gzip batches with acks -1, and a group consumer reads
// every record back, committing until its offsets reach the log end.
//
// Usage: node script.js <bootstrap>. On success it prints one summary
// line; on failure it prints the error and the client's log to stderr and
// exits 1.

const { Kafka, CompressionTypes, Partitioners, logLevel } = require('kafkajs')

const bootstrap = process.argv[2]
const topic = 'kafkajs-events'
const groupId = 'kafkajs-group'
const partitions = 3
const total = 1000
const batchSize = 100
const deadlineMs = 150000

// The client's log is kept, and shown only when the run fails.
const logLines = []
const logCreator = () => ({ namespace, label, log }) => {
  const { message, timestamp, logger, ...rest } = log
  logLines.push(`${timestamp} ${label} [${namespace}] ${message} ${JSON.stringify(rest)}`)
}

function fail (err) {
  process.stderr.write(`kafkajs: ${err && err.stack ? err.stack : err}\n`)
  process.stderr.write(logLines.join('\n') + '\n')
  process.exit(1)
}

function check (ok, what) {
  if (!ok) throw new Error(what)
}

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

async function createTopic (admin) {
  const created = await admin.createTopics({
    topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
    waitForLeaders: true
  })
  check(created === true, `createTopics returned ${created}, want true`)
  const again = await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }] })
  check(again === false, `createTopics of an existing topic returned ${again}, want false`)
  const { topics } = await admin.fetchTopicMetadata({ topics: [topic] })
  check(topics.length === 1 && topics[0].partitions.length === partitions,
    `fetchTopicMetadata: ${JSON.stringify(topics)}`)
  for (const p of topics[0].partitions) {
    check(p.leader === 1 && p.partitionErrorCode === 0, `partition ${JSON.stringify(p)}`)
  }
}

function valueOf (i) {
  return `kafkajs:${i}:${'the quick brown fox jumps over the lazy dog '.repeat(1 + (i % 3))}`
}

async function produce (producer) {
  for (let start = 0; start < total; start += batchSize) {
    const messages = []
    for (let i = start; i < start + batchSize; i++) {
      messages.push({ key: `key-${i % 31}`, value: valueOf(i), headers: { seq: String(i) } })
    }
    const results = await producer.send({ topic, acks: -1, compression: CompressionTypes.GZIP, messages })
    for (const r of results) {
      check(r.errorCode === 0 && Number(r.baseOffset) >= 0, `send result ${JSON.stringify(r)}`)
    }
  }
}

// consume resolves once every record has been read exactly once.
function consume (consumer) {
  const seen = new Set()
  return new Promise((resolve, reject) => {
    consumer.on(consumer.events.CRASH, e => {
      if (!e.payload.restart) reject(e.payload.error)
    })
    consumer.run({
      eachMessage: async ({ message }) => {
        const value = message.value.toString()
        const seq = Number(message.headers.seq.toString())
        if (value !== valueOf(seq) || seen.has(seq)) {
          reject(new Error(`record ${seq}: ${value} (seen before: ${seen.has(seq)})`))
          return
        }
        seen.add(seq)
        if (seen.size === total) resolve()
      }
    }).catch(reject)
  })
}

// committedAtEnd polls until the group's offsets reach every log end.
async function committedAtEnd (admin) {
  const ends = new Map()
  for (const p of await admin.fetchTopicOffsets(topic)) ends.set(p.partition, p.high)
  const deadline = Date.now() + 60000
  for (;;) {
    const [{ partitions: committed }] = await admin.fetchOffsets({ groupId, topics: [topic] })
    if (committed.every(p => p.offset === ends.get(p.partition))) {
      return committed.reduce((sum, p) => sum + Number(p.offset), 0)
    }
    check(Date.now() < deadline, `committed ${JSON.stringify(committed)}, log ends ${JSON.stringify([...ends])}`)
    await sleep(200)
  }
}

async function checkGroup (admin) {
  const { groups } = await admin.describeGroups([groupId])
  check(groups.length === 1 && groups[0].state === 'Stable' && groups[0].members.length === 1 &&
    groups[0].protocolType === 'consumer', `describeGroups: ${JSON.stringify(groups)}`)
}

async function main () {
  check(bootstrap, 'usage: node script.js <bootstrap>')
  const kafka = new Kafka({ clientId: 'strata-e2e', brokers: [bootstrap], logLevel: logLevel.INFO, logCreator })
  const admin = kafka.admin()
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10000, heartbeatInterval: 1000, maxWaitTimeInMs: 500 })
  await admin.connect()
  await createTopic(admin)
  await producer.connect()
  await produce(producer)
  await producer.disconnect()

  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  await consume(consumer)
  const committed = await committedAtEnd(admin)
  await checkGroup(admin)
  await consumer.disconnect()
  await admin.disconnect()
  check(committed === total, `committed offsets add up to ${committed}, want ${total}`)
  process.stdout.write(`kafkajs: produced ${total}, consumed ${total}, committed ${committed}\n`)
}

setTimeout(() => fail(new Error(`not done in ${deadlineMs} ms`)), deadlineMs)
main().then(() => process.exit(0), fail)
