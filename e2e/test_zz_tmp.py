def test_login_page(page, axe_check, live_server):
    response = page.goto("/login")
    print(response.status, page.title())
    axe_check(page)
