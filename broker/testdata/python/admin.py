from confluent_kafka.admin import AdminClient, NewTopic

# Kafka broker configuration
conf = {'bootstrap.servers': 'localhost:9092'}

# Create an AdminClient instance
admin = AdminClient(conf)

# Define the topic to be created
new_topic = NewTopic('my-new-topic', num_partitions=3, replication_factor=2)

# Create the topic
admin.create_topics([new_topic])
