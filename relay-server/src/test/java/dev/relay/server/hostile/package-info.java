/**
 * The hostile suite: faults, load, bad input and attacks against a real control server on 127.0.0.1, each scenario
 * checked for leaked descriptors, registry entries and buffers ({@link dev.relay.server.hostile.ScenarioGuard}).
 */
package dev.relay.server.hostile;
