from confluent_kafka import Consumer, KafkaError

# Kafka broker configuration
conf = {'bootstrap.servers': 'localhost:9092', 'group.id': 'my-group', 'auto.offset.reset': 'earliest'}

# Create a Kafka consumer instance
consumer = Consumer(conf)

# Subscribe to a Kafka topic
topic = 'my-topic'
consumer.subscribe([topic])

while True:
    # Poll for messages
    msg = consumer.poll(1.0)

    if msg is None:
        continue

    if msg.error():
        if msg.error().code() == KafkaError._PARTITION_EOF:
            # End of partition event
            print('Reached end of partition')
        else:
            print('Error while polling for messages: {}'.format(msg.error()))
    else:
        # Print the received message's key and value
        print('Received message: key={}, value={}'.format(msg.key(), msg.value()))
