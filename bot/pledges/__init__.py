"""The household safety pledge (cam kết hộ gia đình an toàn về an ninh, trật tự).

- `texts`: the commitments as data, per commune and year, versioned; the file format; pages;
- `service`: who may sign, recording and withdrawing a pledge, telling the household;
- `coverage`: pledged / resident households for a group, a village, a commune;
- `report`: the .xlsx export (a summary sheet, then one sheet per village);
- `reminders`: what the pledge drive sends on a given day (the scheduler queues it);
- `commands`: `python -m bot pledge text|report`.

The file format and the commands are described in docs/PLEDGES.md.
"""
