from ketamon.format import age, mmss, number


def test_mmss():
    assert mmss(0) == "00:00"
    assert mmss(59.2) == "01:00"  # a countdown never shows 00:00 while time is left
    assert mmss(40 * 60) == "40:00"
    assert mmss(3 * 3600 + 5) == "3:00:05"
    assert mmss(None) == "--:--"
    assert mmss(float("inf")) == "--:--"


def test_age_and_number():
    assert age(12.7) == "12 s ago"
    assert age(185) == "3 min ago"
    assert number(None) == "---"
    assert number(97.6) == "98"
