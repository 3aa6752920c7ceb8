package replication

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/strata-streaming/strata/replication/controller"
)

// Apply makes this broker's partitions match the metadata image: it
// closes and deletes the partitions of topics that are gone (or were
// recreated under a new id) or no longer assigned here, opens (creating
// when new) the partitions whose replicas include this broker, applies
// configuration and leadership changes to the open ones, and removes
// partition directories no open partition accounts for. img must be
// complete — every topic the cluster has — since what it omits is deleted.
//
// A partition that fails to open is left offline (ErrOffline) with its
// data untouched, and retried by the next Apply; the errors are returned
// joined, after everything else was applied.
func (m *Manager) Apply(img *controller.Image) error {
	m.applyMu.Lock()
	defer m.applyMu.Unlock()
	if m.closed {
		return ErrClosed
	}
	keep, gone := m.split(img)
	// No lookup may find a partition while it closes.
	m.view.Store(newView(img, keep))
	var errs []error
	for _, p := range gone {
		errs = append(errs, m.remove(p))
	}
	next := newView(img, keep)
	opened, err := m.applyTopics(img, next)
	errs = append(errs, err)
	m.view.Store(next)
	for _, p := range opened {
		m.hook(m.cfg.OnOpen, p)
	}
	errs = append(errs, m.sweep(next))
	return errors.Join(errs...)
}

// split sorts the open partitions into those img keeps here and those it
// removes.
func (m *Manager) split(img *controller.Image) (keep, gone []*Partition) {
	for _, p := range m.Partitions() {
		if t, ok := img.Topics[p.topic]; ok && t.ID == p.id && int(p.index) < len(t.Partitions) &&
			m.hosts(&t.Partitions[p.index]) {
			keep = append(keep, p)
		} else {
			gone = append(gone, p)
		}
	}
	return keep, gone
}

// hosts reports whether this broker holds a replica of part.
func (m *Manager) hosts(part *controller.Partition) bool {
	return slices.Contains(part.Replicas, m.cfg.NodeID)
}

// applyTopics opens or updates every partition img assigns here, in next.
// It returns the partitions it opened, for the OnOpen hook once next is
// published.
func (m *Manager) applyTopics(img *controller.Image, next *view) ([]*Partition, error) {
	var opened []*Partition
	var errs []error
	for _, name := range img.TopicNames() {
		t := img.Topics[name]
		cfg, cfgErr := m.topicConfig(t)
		if cfgErr != nil {
			errs = append(errs, cfgErr)
		}
		for i := range t.Partitions {
			if !m.hosts(&t.Partitions[i]) {
				continue
			}
			k := partKey{name, int32(i)}
			p, err := m.applyPartition(next.byName[k], t, int32(i), cfg, cfgErr)
			switch {
			case err != nil:
				if old := next.byName[k]; old != nil {
					next.remove(old)
				}
				next.offline[k] = err
				errs = append(errs, err)
			case next.byName[k] == nil:
				next.add(p)
				opened = append(opened, p)
			}
		}
	}
	return opened, errors.Join(errs...)
}

// topicConfig resolves and validates a topic's configuration.
func (m *Manager) topicConfig(t *controller.Topic) (TopicConfig, error) {
	cfg, err := m.cfg.TopicConfig(t)
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil {
		return TopicConfig{}, fmt.Errorf("topic %s config: %w", t.Name, err)
	}
	return cfg, nil
}

// applyPartition opens a partition (p nil) or updates the open p. A topic
// whose configuration does not resolve keeps its open partitions as they
// are, their role aside, and cannot open new ones. An error leaves the
// partition closed and out of next; its data stays.
func (m *Manager) applyPartition(p *Partition, t *controller.Topic, index int32, cfg TopicConfig, cfgErr error) (*Partition, error) {
	role := leadershipOf(&t.Partitions[index], m.cfg.NodeID)
	switch {
	case p == nil && cfgErr != nil:
		return nil, cfgErr
	case p == nil:
		return m.open(t, index, cfg, role)
	case cfgErr != nil:
		cfg = p.Config()
	}
	if err := m.update(p, cfg, role); err != nil {
		m.hook(m.cfg.OnClose, p)
		p.close(false)
		return nil, err
	}
	return p, nil
}

// update applies a configuration and a role to an open partition. A log
// configuration change reopens the log, between the OnClose and OnOpen
// hooks.
func (m *Manager) update(p *Partition, cfg TopicConfig, role leadership) error {
	if p.needsReopen(cfg) {
		m.hook(m.cfg.OnClose, p)
		if err := p.reconfigure(cfg); err != nil {
			return err
		}
		m.hook(m.cfg.OnOpen, p)
	} else if err := p.reconfigure(cfg); err != nil {
		return err
	}
	return p.setLeadership(role)
}

// open opens a partition, creating its directory when it has none. A
// directory left by an older topic of the same name (another topic id, or
// none recorded) is deleted first, so a recreated topic never sees the old
// data.
func (m *Manager) open(t *controller.Topic, index int32, cfg TopicConfig, role leadership) (*Partition, error) {
	dir := m.partitionDir(t.Name, index)
	id, exists, ok := readMetadata(dir)
	if exists && (!ok || id != t.ID) {
		m.cfg.Logger.Info("replication: deleting the data of an older topic", "dir", dir)
		if err := deleteDir(dir); err != nil {
			return nil, err
		}
	}
	if !exists || !ok || id != t.ID {
		if err := createPartitionDir(dir, t.ID); err != nil {
			return nil, err
		}
	}
	return openPartition(dir, t, index, cfg, role, m.env)
}

// remove closes a partition and deletes its directory.
func (m *Manager) remove(p *Partition) error {
	m.hook(m.cfg.OnClose, p)
	err := p.close(true)
	if derr := deleteDir(p.dir); derr != nil {
		err = errors.Join(err, derr)
	}
	if err != nil {
		return fmt.Errorf("delete partition %s: %w", p.dir, err)
	}
	return nil
}

// sweep removes what the data directory holds beside v's partitions:
// directories a crash left half deleted, and partition directories (those
// with a partition.metadata file) of partitions v neither has open nor
// failed to open. Anything else is left alone.
func (m *Manager) sweep(v *view) error {
	entries, err := os.ReadDir(m.cfg.DataDir)
	if err != nil {
		return fmt.Errorf("sweep data dir: %w", err)
	}
	var errs []error
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		name := e.Name()
		path := filepath.Join(m.cfg.DataDir, name)
		if isDeletedDir(name) {
			errs = append(errs, os.RemoveAll(path))
			continue
		}
		topic, index, ok := parseDirName(name)
		if !ok || v.byName[partKey{topic, index}] != nil || v.offline[partKey{topic, index}] != nil {
			continue
		}
		if _, _, ours := readMetadata(path); ours {
			m.cfg.Logger.Info("replication: deleting a partition not assigned here", "dir", path)
			errs = append(errs, deleteDir(path))
		}
	}
	return errors.Join(errs...)
}

// isDeletedDir recognises "<topic>-<partition>.<hex>-delete".
func isDeletedDir(name string) bool {
	rest, ok := strings.CutSuffix(name, deleteSuffix)
	if !ok {
		return false
	}
	i := strings.LastIndexByte(rest, '.')
	if i < 0 {
		return false
	}
	_, _, ok = parseDirName(rest[:i])
	return ok
}
