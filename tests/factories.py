"""A small department used across the tests.

D1 Director (head)
├── U1 head of the planning unit (head): E1, E2, E3
└── U2 head of the legal unit (head): E4, E5
"""

from __future__ import annotations

from datetime import date

from bot.staff.files import load_staff_file
from bot.staff.rules import StaffValidation

STAFF_CSV = """employee_id,full_name,position,role,unit,manager_id,phone,language,appointed_on
D1,Серікова Айгерім Нұрланқызы,Департамент директоры,head,Департамент,,+7 701 000 00 01,kk,2019-03-01
U1,Ахметов Ерлан Болатұлы,Басқарма басшысы,head,Жоспарлау басқармасы,D1,+7 701 000 00 02,kk,2020-01-15
U2,Иванова Ольга Петровна,Начальник управления,head,Правовое управление,D1,+7 701 000 00 03,ru,2021-06-01
E1,Омарова Дана Серікқызы,Бас сарапшы,employee,Жоспарлау басқармасы,U1,+7 701 000 00 04,kk,2022-02-01
E2,Smith John,Chief expert,employee,Жоспарлау басқармасы,U1,+7 701 000 00 05,en,2022-03-01
E3,Нұрланов Асқар Ерланұлы,Жетекші сарапшы,employee,Жоспарлау басқармасы,U1,+7 701 000 00 06,kk,2023-04-01
E4,Петров Игорь Сергеевич,Главный эксперт,employee,Правовое управление,U2,+7 701 000 00 07,ru,2023-05-01
E5,Қасымова Әсел Маратқызы,Сарапшы,employee,Правовое управление,U2,+7 701 000 00 08,kk,2025-11-01
"""

TELEGRAM_IDS = {
    "D1": 1001,
    "U1": 1002,
    "U2": 1003,
    "E1": 1004,
    "E2": 1005,
    "E3": 1006,
    "E4": 1007,
    "E5": 1008,
}


def staff_validation(today: date, csv_text: str = STAFF_CSV) -> StaffValidation:
    validation = load_staff_file(csv_text.encode("utf-8"), "staff.csv", today)
    assert validation.ok, [e.describe() for e in validation.errors]
    return validation
