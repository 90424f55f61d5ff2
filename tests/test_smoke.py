from __future__ import annotations


def test_add_then_show(run):
    res = run("add", "Dariush Fakeri", "--role-1988", "Prosecutor")
    assert res.code == 0, res
    assert res.stdout == "dariush-fakeri\n"
    shown = run("show", "dariush-fakeri", "--format", "json").json()
    assert shown["role_1988"]["title"] == "Prosecutor"
