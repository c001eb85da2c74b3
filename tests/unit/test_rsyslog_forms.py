"""rsyslog rules test each program name once: repeated forms and forms another covers go."""

from srcscan.rsyslog import _ident_condition, _widest_forms


def test_a_form_covered_by_a_wider_one_adds_no_test():
    forms = ["Keepalived_vrrp_<-i>", "Keepalived_vrrp_<-i>", "Keepalived_vrrp_<-i>_<-n>", "Keepalived_vrrp"]
    assert _widest_forms(forms) == ["Keepalived_vrrp_<-i>", "Keepalived_vrrp"]
    assert _ident_condition(forms) == ("re_match($programname, '^Keepalived_vrrp_.+$') or "
                                       "$programname == 'Keepalived_vrrp'")


def test_forms_with_one_regex_keep_the_first():
    forms = ["Keepalived_vrrp", "Keepalived_vrrp_<instance>", "Keepalived_vrrp_<net_namespace>",
             "Keepalived_vrrp_<net_namespace>_<instance>"]
    assert _widest_forms(forms) == ["Keepalived_vrrp", "Keepalived_vrrp_<instance>"]


def test_forms_that_only_overlap_are_both_kept():
    # `a_<x>` and `<y>_b` share `a_b` but neither holds every name of the other.
    assert _widest_forms(["a_<x>", "<y>_b"]) == ["a_<x>", "<y>_b"]
    # a literal name is covered by a form whose hole fills to it
    assert _widest_forms(["demo", "de<x>"]) == ["de<x>"]
    # but a form is never covered by a literal name
    assert _widest_forms(["demo_<x>", "demo_1"]) == ["demo_<x>"]
