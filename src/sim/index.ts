// Simulated nodes (kwok-like): the public API for the CLI, tests and benchmarks.
export { startSim, type RunningSim, type SimStats } from './sim.js';
export { SIM_DEFAULTS, SimConfigError, realSimClock, resolveSimConfig, type SimClock, type SimConfig } from './config.js';
export { SIM_LABEL, KUBELET_VERSION, RUNTIME_VERSION, LEASE_NAMESPACE } from './nodes.js';
export { podCIDRFor, nodeIPFor } from './ipam.js';
