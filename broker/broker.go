package broker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/strata-streaming/strata/broker/config"
	"github.com/strata-streaming/strata/broker/group"
	"github.com/strata-streaming/strata/broker/handler"
	"github.com/strata-streaming/strata/broker/wire"
	"github.com/strata-streaming/strata/internal/dirlock"
	"github.com/strata-streaming/strata/replication"
	"github.com/strata-streaming/strata/replication/controller"
	"github.com/strata-streaming/strata/retention"
	"github.com/strata-streaming/strata/tiered/segment"
)

// Broker is one running Strata broker.
type Broker struct {
	cfg       Config
	log       *slog.Logger
	ln        net.Listener
	ctrl      *controller.Controller
	parts     *replication.Manager
	meta      *metadata
	groups    *group.Coordinator
	retention *retention.Manager
	tiering   *tiering // nil when tiered storage is off
	handler   *handler.Handler
	server    *wire.Server
	telemetry *telemetryParts
	ready     readiness
	dirLock   *dirlock.Lock // held on DataDir from start to close

	cancel    context.CancelFunc // stops the background loops
	loops     sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

// Start opens everything a broker needs and starts serving. ctx bounds the
// start-up only. The caller must Close the broker.
func Start(ctx context.Context, cfg Config) (*Broker, error) {
	if cfg.Listen == "" {
		cfg.Listen = DefaultListen
	}
	if cfg.Settings == nil {
		cfg.Settings = map[string]string{}
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	loopCtx, cancel := context.WithCancel(context.Background())
	b := &Broker{cfg: cfg, log: log, cancel: cancel}
	if err := b.start(ctx, loopCtx); err != nil {
		return nil, errors.Join(err, b.Close())
	}
	return b, nil
}

// Addr is the address the Kafka listener is bound to.
func (b *Broker) Addr() net.Addr { return b.ln.Addr() }

// AdminAddr is the address of the admin HTTP server, or nil when it is off.
func (b *Broker) AdminAddr() net.Addr { return b.telemetry.adminAddr() }

// start brings the parts up in dependency order.
func (b *Broker) start(ctx, loopCtx context.Context) error {
	if err := os.MkdirAll(b.cfg.DataDir, 0o755); err != nil {
		return fmt.Errorf("broker: create data dir: %w", err)
	}
	dirLock, err := dirlock.Acquire(b.cfg.DataDir)
	if err != nil {
		return fmt.Errorf("broker: data dir %s is in use by another Strata broker; stop it or use another --data-dir: %w", b.cfg.DataDir, err)
	}
	b.dirLock = dirLock
	t, err := startTelemetry(ctx, b.cfg.Telemetry, b.cfg.NodeID, b.log.With("component", "telemetry"), b.ready.check, b.adminRoutes())
	if err != nil {
		return err
	}
	b.telemetry = t
	ln, err := net.Listen("tcp", b.cfg.Listen)
	if err != nil {
		return fmt.Errorf("broker: listen: %w", err)
	}
	b.ln = ln
	adv, err := b.cfg.advertisedEndpoint(ln.Addr())
	if err != nil {
		return err
	}
	if err := b.startController(ctx, adv); err != nil {
		return err
	}
	if err := b.newRetention(); err != nil {
		return err
	}
	if err := b.startTiering(ctx); err != nil {
		return err
	}
	if err := b.startPartitions(ctx, loopCtx); err != nil {
		return err
	}
	if err := b.startGroups(ctx); err != nil {
		return err
	}
	if err := b.startRetention(loopCtx); err != nil {
		return err
	}
	if err := b.startServer(); err != nil {
		return err
	}
	b.ready.ready()
	return nil
}

// brokerConfig resolves the static and dynamic broker configs.
func (b *Broker) brokerConfig() *config.Resolved {
	var dynamic map[string]string
	if b.ctrl != nil {
		dynamic = b.ctrl.Image().BrokerConfigs
	}
	return config.ResolveBroker(config.Layers{Dynamic: dynamic, Static: b.cfg.Settings})
}

func (b *Broker) startController(ctx context.Context, adv endpoint) error {
	cc := controller.DefaultConfig()
	cc.NodeID = b.cfg.NodeID
	cc.Dir = filepath.Join(b.cfg.DataDir, "__cluster_metadata")
	cc.Logger = b.log.With("component", "controller")
	ctrl, err := controller.Open(cc)
	if err != nil {
		return fmt.Errorf("broker: open controller: %w", err)
	}
	b.ctrl = ctrl
	reg := controller.Broker{ID: b.cfg.NodeID, Host: adv.host, Port: adv.port}
	if err := ctrl.RegisterBroker(ctx, reg); err != nil {
		return fmt.Errorf("broker: register: %w", err)
	}
	return nil
}

// startPartitions opens this broker's partitions and keeps them in step
// with the metadata.
func (b *Broker) startPartitions(ctx, loopCtx context.Context) error {
	bc := b.brokerConfig()
	mc := replication.DefaultManagerConfig(b.cfg.DataDir)
	mc.NodeID = b.cfg.NodeID
	mc.TopicConfig = b.topicConfig
	mc.OnOpen, mc.OnClose, mc.OnRoll = b.onOpen, b.onClose, b.onRoll
	mc.ProducerIDExpirationMs = bc.Int64("producer.id.expiration.ms")
	mc.Logger = b.log.With("component", "partitions")
	parts, err := replication.NewManager(mc)
	if err != nil {
		return fmt.Errorf("broker: open partitions: %w", err)
	}
	b.parts = parts
	if err := b.telemetry.observePartitions(parts); err != nil {
		return err
	}
	if b.tiering != nil {
		if err := b.telemetry.observeTiering(b.tiering, parts); err != nil {
			return err
		}
	}
	b.meta = &metadata{ctrl: b.ctrl, parts: parts, afterApply: b.afterApply}
	changed := b.ctrl.Changed()
	if err := b.meta.sync(); err != nil {
		return fmt.Errorf("broker: apply metadata: %w", err)
	}
	b.loops.Add(1)
	go b.watchMetadata(loopCtx, changed)
	if b.tiering != nil {
		b.tiering.deleter.start(b.ctrl.Image())
	}
	return b.ensureOffsetsTopic(ctx)
}

// watchMetadata applies every new metadata image to the partitions.
func (b *Broker) watchMetadata(ctx context.Context, changed <-chan struct{}) {
	defer b.loops.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case <-changed:
		}
		changed = b.ctrl.Changed()
		if err := b.meta.sync(); err != nil {
			b.log.Error("apply metadata", "err", err)
		}
	}
}

// topicConfig resolves a topic's configuration for its partitions.
func (b *Broker) topicConfig(t *controller.Topic) (replication.TopicConfig, error) {
	r := b.resolveTopic(t)
	tc := replication.DefaultTopicConfig()
	tc.Log = r.LogConfig()
	tc.Log.Segment.Metrics = b.telemetry.segment
	tc.MaxMessageBytes = r.Int("max.message.bytes")
	tc.LogAppendTime = r.String("message.timestamp.type") == "LogAppendTime"
	tc.MinInsyncReplicas = r.Int("min.insync.replicas")
	return tc, tc.Validate()
}

// onOpen gives a partition of a tiered topic its remote tier and puts
// every partition under retention; onClose takes it off retention (its
// remote tier stays until afterApply finds the partition gone, so that a
// reopen keeps it).
func (b *Broker) onOpen(p *replication.Partition) {
	name := partitionName(p)
	t, ok := b.ctrl.Image().Topic(p.Topic())
	if !ok {
		return
	}
	if b.tiering != nil && isTiered(t, b.resolveTopic(t)) {
		tier, err := b.tiering.attach(p, t, func() { b.retention.Trigger(name) })
		if err == nil && isRecovery(t.Configs) {
			err = restorePartition(p, tier)
		}
		if err == nil {
			b.retention.AddTiered(name, retention.Local(retainedLog{p}), tierRetention{tier}, b.tieredPolicy(p.Topic()))
			return
		}
		b.log.Error("partition left without its remote tier", "partition", name, "err", err)
	}
	b.retention.Add(name, retention.Local(retainedLog{p}), b.localPolicy(p.Topic()))
}

// resolveTopic resolves a topic's configuration.
func (b *Broker) resolveTopic(t *controller.Topic) *config.Resolved {
	return config.ResolveTopic(config.Layers{Topic: t.Configs, Dynamic: b.ctrl.Image().BrokerConfigs, Static: b.cfg.Settings})
}

// localPolicy returns the retention policy of a topic's local-only log,
// read anew at each enforcement.
func (b *Broker) localPolicy(topic string) func() retention.Policy {
	return func() retention.Policy {
		t, ok := b.ctrl.Image().Topic(topic)
		if !ok {
			return retention.Policy{RetentionMs: -1, RetentionBytes: -1}
		}
		return b.resolveTopic(t).RetentionPolicy()
	}
}

// tieredPolicy returns the retention policy of a tiered topic's two
// tiers, read anew at each enforcement.
func (b *Broker) tieredPolicy(topic string) func() retention.TieredPolicy {
	return func() retention.TieredPolicy {
		t, ok := b.ctrl.Image().Topic(topic)
		if !ok {
			keep := retention.Policy{RetentionMs: -1, RetentionBytes: -1}
			return retention.TieredPolicy{Total: keep, Local: keep, RemoteEnabled: true}
		}
		r := b.resolveTopic(t)
		return retention.TieredPolicy{Total: r.RetentionPolicy(), Local: r.LocalRetentionPolicy(), RemoteEnabled: true}
	}
}

// onRoll wakes a partition's uploader and retention when it sealed a
// segment.
func (b *Broker) onRoll(p *replication.Partition) {
	if b.tiering != nil {
		if tier := b.tiering.tier(p.TopicID(), p.Index()); tier != nil {
			tier.Wake()
		}
	}
	b.retention.Trigger(partitionName(p))
}

// afterApply runs after each metadata image is applied to the partitions.
func (b *Broker) afterApply(img *controller.Image) {
	if b.tiering != nil {
		b.tiering.reconcile(img, b.parts.Partitions())
	}
}

// retainedLog is a partition's hot tier as retention sees it: deletions
// stop at the high watermark, so a segment holding writes consumers cannot
// see yet (an acks=all append not yet durable) is never removed, as in
// Kafka.
type retainedLog struct{ p *replication.Partition }

func (r retainedLog) Segments() []segment.Info { return r.p.Log().Segments() }

func (r retainedLog) DeleteSegmentsBefore(offset int64) (int, error) {
	return r.p.Log().DeleteSegmentsBefore(min(offset, r.p.HighWatermark()))
}

func (b *Broker) onClose(p *replication.Partition) {
	b.retention.Remove(partitionName(p))
}

func partitionName(p *replication.Partition) string {
	return fmt.Sprintf("%s-%d", p.Topic(), p.Index())
}

// ensureOffsetsTopic creates __consumer_offsets on first start.
func (b *Broker) ensureOffsetsTopic(ctx context.Context) error {
	if _, ok := b.ctrl.Image().Topic(offsetsTopic); ok {
		return nil
	}
	bc := b.brokerConfig()
	rf := min(bc.Int("offsets.topic.replication.factor"), len(b.ctrl.Image().Brokers))
	spec := controller.TopicSpec{
		Name: offsetsTopic, Partitions: int32(bc.Int("offsets.topic.num.partitions")),
		ReplicationFactor: int16(rf), Internal: true,
		Configs: map[string]string{"cleanup.policy": "compact", "segment.bytes": "104857600", "compression.type": "producer"},
	}
	if _, err := b.ctrl.CreateTopic(ctx, spec); err != nil && !errors.Is(err, controller.ErrTopicExists) {
		return fmt.Errorf("broker: create %s: %w", offsetsTopic, err)
	}
	if err := b.meta.sync(); err != nil {
		return fmt.Errorf("broker: apply metadata: %w", err)
	}
	return nil
}

func (b *Broker) startGroups(ctx context.Context) error {
	bc := b.brokerConfig()
	gc := group.DefaultConfig()
	gc.InitialRebalanceDelay = time.Duration(bc.Int64("group.initial.rebalance.delay.ms")) * time.Millisecond
	gc.MinSessionTimeout = time.Duration(bc.Int64("group.min.session.timeout.ms")) * time.Millisecond
	gc.MaxSessionTimeout = time.Duration(bc.Int64("group.max.session.timeout.ms")) * time.Millisecond
	gc.MaxSize = bc.Int("group.max.size")
	gc.OffsetsRetention = time.Duration(bc.Int64("offsets.retention.minutes")) * time.Minute
	gc.Logger = b.log.With("component", "groups")
	gc.Meter = b.telemetry.group
	gc.HighWatermark = highWatermark(b.parts)
	t, _ := b.ctrl.Image().Topic(offsetsTopic)
	store := &offsetsStore{parts: b.parts, partitions: int32(len(t.Partitions))}
	groups, err := group.New(gc, store)
	if err != nil {
		return fmt.Errorf("broker: start group coordinator: %w", err)
	}
	b.groups = groups
	if err := groups.Load(ctx); err != nil {
		return fmt.Errorf("broker: load groups: %w", err)
	}
	return nil
}

// newRetention makes the retention manager, before any partition opens;
// startRetention starts it.
func (b *Broker) newRetention() error {
	bc := b.brokerConfig()
	rc := retention.DefaultConfig()
	rc.CheckInterval = time.Duration(bc.Int64("log.retention.check.interval.ms")) * time.Millisecond
	rc.Logger = b.log.With("component", "retention")
	m, err := retention.New(rc)
	if err != nil {
		return fmt.Errorf("broker: start retention: %w", err)
	}
	b.retention = m
	return nil
}

// startTiering opens the object store when tiered storage is on.
func (b *Broker) startTiering(ctx context.Context) error {
	bc := b.brokerConfig()
	if !bc.Bool("remote.log.storage.system.enable") {
		return nil
	}
	t, err := openTiering(ctx, b.cfg.DataDir, bc, b.log.With("component", "tiering"))
	if err != nil {
		return err
	}
	b.tiering = t
	return nil
}

// startRetention starts enforcing retention on every partition and runs
// the time-based flush policy.
func (b *Broker) startRetention(ctx context.Context) error {
	if err := b.retention.Start(ctx); err != nil {
		return fmt.Errorf("broker: start retention: %w", err)
	}
	b.loops.Add(1)
	go b.flushLoop(ctx)
	return nil
}

// flushLoop applies flush.ms to every partition once a second.
func (b *Broker) flushLoop(ctx context.Context) {
	defer b.loops.Done()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		for _, p := range b.parts.Partitions() {
			if err := p.Log().FlushIfDue(); err != nil {
				b.log.Error("flush", "partition", partitionName(p), "err", err)
			}
		}
	}
}

func (b *Broker) startServer() error {
	bc := b.brokerConfig()
	h, err := handler.New(handler.Deps{
		NodeID: b.cfg.NodeID, Cluster: cluster{b.ctrl, b.meta, b.tiering}, Partitions: b.parts, Groups: b.groups,
		Config: b.cfg.Settings, Logger: b.log.With("component", "handler"),
	})
	if err != nil {
		return err
	}
	b.handler = h
	wc := wire.DefaultConfig()
	wc.MaxRequestSize = bc.Int("socket.request.max.bytes")
	wc.IdleTimeout = time.Duration(bc.Int64("connections.max.idle.ms")) * time.Millisecond
	if q := bc.Int64("queued.max.request.bytes"); q > 0 {
		wc.MaxQueuedBytes = int(q)
	}
	wc.Versions = h.Versions()
	wc.Logger = b.log.With("component", "wire")
	wc.Meter = b.telemetry.wire
	wc.Tracer = b.telemetry.tracer
	s, err := wire.NewServer(wc, h)
	if err != nil {
		return err
	}
	b.server = s
	b.loops.Add(1)
	go func() {
		defer b.loops.Done()
		if err := s.Serve(b.ln); err != nil && !errors.Is(err, wire.ErrServerClosed) {
			b.log.Error("serve", "err", err)
		}
	}()
	return nil
}

// Close stops serving and shuts everything down in reverse start order,
// leaving every log cleanly closed. It is idempotent.
func (b *Broker) Close() error {
	b.closeOnce.Do(func() { b.closeErr = b.close() })
	return b.closeErr
}

func (b *Broker) close() error {
	b.ready.stopping()
	var errs []error
	if b.server != nil {
		errs = append(errs, b.server.Close())
	} else if b.ln != nil {
		b.ln.Close()
	}
	if b.handler != nil {
		errs = append(errs, b.handler.Close())
	}
	if b.groups != nil {
		errs = append(errs, b.groups.Close())
	}
	if b.retention != nil {
		errs = append(errs, b.retention.Close())
	}
	b.cancel()
	b.loops.Wait()
	if b.tiering != nil {
		errs = append(errs, b.tiering.close())
	}
	if b.parts != nil {
		errs = append(errs, b.parts.Close())
	}
	if b.ctrl != nil {
		errs = append(errs, b.ctrl.Close())
	}
	errs = append(errs, b.telemetry.close())
	errs = append(errs, b.dirLock.Release()) // last: nothing writes the data dir now
	return errors.Join(errs...)
}
