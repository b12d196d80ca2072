"""Holds the scheduler double's state machine to shared/reference/mindspore-fl-scheduler.md."""

import pytest

import scheduler_model as m


def make(server_num=3, **options):
    return m.Scheduler(m.Options(server_num=server_num, **options), clock=m.FakeClock())


def formed(server_num=3, **options):
    sched = make(server_num, **options)
    for i in range(server_num):
        sched.register(f"srv-{i}")
    assert sched.cluster_state() == m.READY
    return sched


def ranks(sched):
    return {n.node_id: n.rank for n in sched.nodes.values()}


def test_starting_until_server_num_registered():
    sched = make(3)
    sched.register("srv-0")
    sched.register("srv-1")
    assert sched.cluster_state() == m.STARTING
    sched.register("srv-2")
    assert sched.cluster_state() == m.READY


def test_rank_is_registration_order_not_pod_index():
    sched = make(3)
    for node_id in ("srv-2", "srv-0", "srv-1"):
        sched.register(node_id)
    assert ranks(sched) == {"srv-2": 0, "srv-0": 1, "srv-1": 2}


def test_known_id_keeps_its_rank_on_reregistration():
    sched = formed(3)
    assert sched.register("srv-1") == 1
    assert sched.cluster_state() == m.READY


def test_cluster_not_formed_in_300s_is_node_timeout_in_1_5_and_exit_later():
    old = make(2)
    old.register("srv-0")
    old.advance(301)
    assert old.cluster_state() == m.NODE_TIMEOUT
    later = make(2, strict_ranks=True)
    later.register("srv-0")
    later.advance(301)
    assert later.cluster_state() == m.EXIT and later.exited


def test_scale_out_is_an_increment_and_waits_for_the_new_total():
    sched = formed(3)
    sched.scale_out(0, 2)
    assert sched.server_num == 5
    assert sched.cluster_state() == m.SCALE_OUT
    assert sched.register("srv-3") == 3
    assert sched.cluster_state() == m.SCALE_OUT
    assert sched.register("srv-4") == 4
    assert sched.cluster_state() == m.READY
    assert [n.node_id for n in sched.snapshot] == [f"srv-{i}" for i in range(5)]


def test_scale_out_requires_ready():
    sched = make(2)
    with pytest.raises(m.Rejected, match=r"^The cluster is not ready\.$"):
        sched.scale_out(0, 1)


def test_registration_before_scale_out_gets_an_unusable_rank_and_hangs_the_scale():
    sched = formed(2)
    assert sched.register("early") == m.UINT32_MAX
    sched.scale_out(0, 1)
    assert sched.cluster_state() == m.SCALE_OUT
    sched.register("early")  # the known id keeps its useless rank
    assert sched.cluster_state() == m.SCALE_OUT


def test_later_sources_reject_registrations_beyond_server_num():
    sched = formed(2, strict_ranks=True)
    with pytest.raises(m.Rejected, match="There are enough nodes registering to scheduler."):
        sched.register("early")


def test_scale_in_renumbers_survivors_above_the_smallest_removed_rank():
    sched = formed(5)
    sched.scale_in(["srv-2"])
    assert sched.server_num == 4
    assert sched.cluster_state() == m.READY  # survivors re-registered automatically
    assert ranks(sched) == {"srv-0": 0, "srv-1": 1, "srv-3": 2, "srv-4": 3}


def test_scale_in_checks_ids_against_the_last_network_build():
    sched = formed(3)
    with pytest.raises(m.Rejected, match=r"^The node id:ghost is illegal\.$"):
        sched.scale_in(["ghost"])
    with pytest.raises(m.Rejected, match=r"^The node id:srv-0 is rank 0 of server, should not be scale in\.$"):
        sched.scale_in(["srv-2", "srv-0"])
    with pytest.raises(m.Rejected, match=r"^The json is not contain the key:node_ids$"):
        sched.scale_in(None)
    with pytest.raises(m.Rejected, match=r"^The node ids should not be empty\.$"):
        sched.scale_in([])
    assert sched.server_num == 3 and sched.cluster_state() == m.READY


def test_scale_in_checks_state_before_the_body_keys():
    sched = make(2)
    with pytest.raises(m.Rejected, match="The cluster is not ready."):
        sched.scale_in(None)


def test_rank_zero_is_whoever_registered_first():
    sched = make(3)
    for node_id in ("srv-2", "srv-0", "srv-1"):
        sched.register(node_id)
    with pytest.raises(m.Rejected, match="srv-2 is rank 0"):
        sched.scale_in(["srv-2"])


def test_victims_block_the_next_operation_until_deleted_with_connection_check():
    sched = formed(3, connection_check=True)
    sched.scale_in(["srv-2"])
    assert sched.cluster_state() == m.READY
    with pytest.raises(m.Rejected, match="connections are not equal with total node num"):
        sched.scale_out(0, 1)
    sched.unregister("srv-2")
    sched.scale_out(0, 1)
    assert sched.cluster_state() == m.SCALE_OUT


def test_victims_do_not_block_without_connection_check():
    sched = formed(3)
    sched.scale_in(["srv-2"])
    sched.scale_out(0, 1)
    assert sched.cluster_state() == m.SCALE_OUT


def test_silent_server_times_out_after_30s_and_recovers_with_same_id():
    sched = formed(3)
    sched.unregister("srv-1")
    sched.advance(30)
    assert sched.cluster_state() == m.READY
    sched.advance(1)
    assert sched.cluster_state() == m.NODE_TIMEOUT
    with pytest.raises(m.Rejected, match="not ready"):
        sched.scale_out(0, 1)
    assert sched.register("srv-1") == 1
    assert sched.cluster_state() == m.READY


def test_manual_heartbeats_keep_a_node_alive():
    sched = formed(2)
    sched.set_auto_heartbeat("srv-1", False)
    for _ in range(4):
        sched.advance(20)
        sched.heartbeat("srv-1")
    assert sched.cluster_state() == m.READY
    sched.advance(31)
    assert sched.cluster_state() == m.NODE_TIMEOUT


def test_new_id_takes_over_a_dead_rank_in_1_5_and_is_rejected_later():
    old = formed(3)
    old.unregister("srv-1")
    old.advance(31)
    assert old.register("replacement") == 1
    assert old.cluster_state() == m.READY
    later = formed(3, strict_ranks=True)
    later.unregister("srv-1")
    later.advance(31)
    with pytest.raises(m.Rejected):
        later.register("replacement")


def test_rank_zero_lost_is_unrecoverable():
    sched = formed(3)
    sched.unregister("srv-0")
    sched.advance(31)
    sched.register("srv-0")
    assert sched.cluster_state() == m.NODE_TIMEOUT
    assert "rank 0" in sched.unrecoverable


def test_everything_gone_exits():
    sched = formed(2)
    sched.unregister("srv-0")
    sched.unregister("srv-1")
    sched.advance(31)
    assert sched.cluster_state() == m.EXIT and sched.exited


def test_stuck_scale_never_completes_until_released():
    sched = formed(2)
    sched.modes.stuck_scale = True
    sched.scale_out(0, 1)
    sched.register("srv-2")
    sched.advance(3600)
    assert sched.cluster_state() == m.SCALE_OUT
    sched.modes.stuck_scale = False
    assert sched.cluster_state() == m.READY


def test_iteration_barrier_delays_ready():
    sched = formed(2)
    sched.modes.barrier_seconds = 10
    sched.scale_out(0, 1)
    sched.register("srv-2")
    sched.advance(9)
    assert sched.cluster_state() == m.SCALE_OUT
    sched.advance(1)
    assert sched.cluster_state() == m.READY


def test_rollback_restores_previous_counts():
    sched = formed(2, rollback=True)
    sched.modes.stuck_scale = True
    sched.scale_out(0, 2)
    sched.register("srv-2")
    sched.scale_out_rollback()
    assert sched.server_num == 2
    assert sched.cluster_state() == m.READY
    assert set(ranks(sched)) == {"srv-0", "srv-1"}
    with pytest.raises(m.Rejected, match="not ready for scaling rollback"):
        sched.scale_out_rollback()


def test_fls_states_are_transient_in_1_5_and_persistent_later():
    old = formed(1)
    old.begin_fan_out(m.DISABLE_FLS)
    assert old.state == m.DISABLE_FLS
    old.end_fan_out(m.DISABLE_FLS)
    assert old.cluster_state() == m.READY
    later = formed(1, persistent_fls=True)
    later.begin_fan_out(m.DISABLE_FLS)
    later.end_fan_out(m.DISABLE_FLS)
    assert later.cluster_state() == m.DISABLE_FLS
    with pytest.raises(m.Rejected, match="not ready"):
        later.scale_out(0, 1)
    with pytest.raises(m.Rejected, match="already been disabled"):
        later.begin_fan_out(m.DISABLE_FLS)
    later.begin_fan_out(m.ENABLE_FLS)
    later.end_fan_out(m.ENABLE_FLS)
    assert later.cluster_state() == m.READY
