from confluent_kafka import Producer

# Kafka broker configuration
conf = {'bootstrap.servers': 'localhost:9092'}

# Create a Kafka producer instance
producer = Producer(conf)

# Produce a message to a Kafka topic
topic = 'my-topic'
key = 'message-key'
value = 'Hello, Kafka from Python!'
producer.produce(topic, key=key, value=value)

# Wait for any outstanding messages to be delivered and delivery reports to be received
producer.flush()
