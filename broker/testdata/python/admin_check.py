# Strata's check of the AdminClient example: the same request, with its
# outcome awaited. On a single broker a replication factor of 2 must fail
# with INVALID_REPLICATION_FACTOR (not hang); a factor of 1 must succeed.
import sys

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic

admin = AdminClient({'bootstrap.servers': sys.argv[1]})

futures = admin.create_topics([NewTopic('my-new-topic', num_partitions=3, replication_factor=2)],
                              request_timeout=30)
try:
    futures['my-new-topic'].result(timeout=60)
    print('FAIL: replication factor 2 was accepted by one broker')
    sys.exit(1)
except KafkaException as e:
    err = e.args[0]
    if err.code() != KafkaError.INVALID_REPLICATION_FACTOR:
        print('FAIL: want INVALID_REPLICATION_FACTOR, got {}'.format(err))
        sys.exit(1)
    print('replication factor 2: {}'.format(err.name()))

futures = admin.create_topics([NewTopic('my-new-topic', num_partitions=3, replication_factor=1)])
futures['my-new-topic'].result(timeout=60)
md = admin.list_topics(timeout=30)
parts = len(md.topics['my-new-topic'].partitions)
if parts != 3:
    print('FAIL: my-new-topic has {} partitions, want 3'.format(parts))
    sys.exit(1)
print('created my-new-topic with 3 partitions')
