"""Everyday words a typo is never corrected away from ("three" is not "there").

Typos are corrected towards the catalog's and the grammar's words only when the
word typed is not an everyday word itself, keeps its first letter and is at most
one letter longer or shorter.
"""

EVERYDAY = frozenset(
    """
    able about above across actually after again against ago alert all almost alone
    along already also always amount another answer any anyone anything anyway are
    area around arrive arrives ask asked asks away back bank bear because been before
    begin behind being below best better between bill bird black blue board body book
    both bottom box break bring build built busy but button buy call called calls came
    card care case cash catch cause center change check child city class clean clear
    click close code cold come comes coming company copy cost could count country
    course cover create customer daily data date dead deal dear decide deploy details
    did different doing done door down draw drink drive drop during each early easy
    either else email empty end enough even event ever every everyone exact example
    extra face fact fail failed fails fall false family fast feel few field file fill
    final find fine fire first five fix floor follow food form forward found four free
    friend from front full game gave give given glad goal goes going gone good great
    green group grow guess half hand happen happy hard have head hear heard heart help
    here high hold home hope hour house however huge idea important inside into item
    items just keep kept kind knew know known large last late later least leave left
    less lets letter level life light like line list little live long look loop lost
    lots love made mail main make many mark match matter maybe mean meet member might
    mind minute miss mode money more most move much must name near need never news next
    nice nine none noon normal note nothing notice number often okay once only open
    order other our ours over page paid paper part party pass past pause people person
    phone pick place plan plans play please plus point poll post press price print
    problem pull push put quick quite rain rather reach read ready real reason record
    report rest result return right ring room round rule run runs safe said same save
    saw says second seconds seen sell send sends sent server seven shall shop short
    should show side sign signs simple since site size slow small some someone
    something soon sort sound space speak special spend start state stay step still
    stop store story stuff such sure table take talk team tell ten test than thank
    thanks that their them then there these they thing things think third this those
    though three through till time times today together told took total town track
    true turn twice type under until upon urgent used user users using value very view
    wait wake walk wall want watch water week well went were what when where which
    while white whole whose will wish with within without word words work world would
    write wrong year yes yet your yours zone
    """.split()
)
