from vulndesk.reports.models import State


def test_every_state_can_be_reached_through_the_services(make_report):
    for state in State.values:
        assert make_report(state).state == state
