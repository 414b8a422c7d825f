// Package deploy holds what runs toolgate past one machine: Kubernetes
// manifests (kubernetes/), a container recipe (Containerfile), and the
// scale-out test that runs several `toolgate serve` replicas behind nginx
// on loopback (scaleout_test.go). It has no code of its own; see
// README.md.
package deploy
